export type { CreateHttpAppOptions } from "./app.js";
export {
  createHttpApp,
  DEFAULT_BODY_LIMIT_BYTES,
  errorMiddleware,
  finishHttpApp,
  jsonDepth,
  MAX_JSON_DEPTH,
  toAppError,
} from "./app.js";
export { ErrorBody, errorBody } from "./error-body.js";
export { createMetrics, type HttpMetrics } from "./metrics.js";
export {
  type DependencyState,
  evaluateReadiness,
  READINESS_CHECK_TIMEOUT_MS,
  type ReadinessCheck,
  type ReadinessReport,
} from "./readiness.js";
export { type ListenOptions, listen } from "./serve.js";
export { type ServiceRuntime, type StartHttpServiceOptions, startHttpService } from "./service.js";
export { createShutdown, type Shutdown, type ShutdownHook } from "./shutdown.js";
export { HTTP_STATUS_BY_CODE, httpStatusFor } from "./status.js";
export { parseInput, zodIssuesToDetails } from "./validate.js";
