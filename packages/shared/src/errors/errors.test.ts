import { describe, expect, it } from "vitest";
import {
  AppError,
  ERROR_CODES,
  errorMessage,
  isAppError,
  isEnvironmentFault,
  isRetryable,
  isUniqueViolation,
} from "./index.js";

describe("AppError", () => {
  it("carries a stable code, details and retryability", () => {
    const error = new AppError("VALIDATION_FAILED", "bad input", {
      details: [{ path: "amount", message: "must be a decimal string" }],
    });
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details).toEqual([{ path: "amount", message: "must be a decimal string" }]);
    expect(error.retryable).toBe(false);
    expect(isAppError(error)).toBe(true);
    expect(error).toBeInstanceOf(Error);
  });

  it("treats UNAVAILABLE and RATE_LIMITED as retryable by default", () => {
    expect(isRetryable(new AppError("UNAVAILABLE", "db down"))).toBe(true);
    expect(isRetryable(new AppError("RATE_LIMITED", "slow down"))).toBe(true);
    expect(isRetryable(new AppError("CONFLICT", "nope"))).toBe(false);
    expect(isRetryable(new Error("plain"))).toBe(false);
  });

  it("knows node-postgres's lost-connection failures", () => {
    for (const message of [
      "Connection terminated unexpectedly",
      "Client has encountered a connection error and is not queryable",
      "Client was closed and is not queryable",
      "timeout exceeded when trying to connect",
    ])
      expect(isRetryable(new Error(message))).toBe(true);
    expect(isRetryable({ code: "57P01" })).toBe(true);
  });

  it("keeps the cause and lists every public code once", () => {
    const cause = new Error("root");
    expect(new AppError("INTERNAL", "wrapped", { cause }).cause).toBe(cause);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(errorMessage("text")).toBe("text");
  });
});

describe("isUniqueViolation", () => {
  it("names PostgreSQL's unique violation and nothing else", () => {
    expect(isUniqueViolation({ code: "23505" })).toBe(true);
    for (const code of ["23503", "40001", "42P01", 23505]) expect(isUniqueViolation({ code })).toBe(false);
    expect(isUniqueViolation(new Error("23505"))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});

describe("isEnvironmentFault", () => {
  it("names the PostgreSQL failures of the deployment, not of the input", () => {
    for (const code of ["42P01", "42703", "42501", "28P01", "3D000", "3F000", "58030", "XX000"])
      expect(isEnvironmentFault({ code })).toBe(true);
    for (const code of ["23505", "22003", "40001", "08006", "ECONNRESET", "42"])
      expect(isEnvironmentFault({ code })).toBe(false);
    expect(isEnvironmentFault(new Error("boom"))).toBe(false);
    expect(isEnvironmentFault(null)).toBe(false);
  });
});
