import { fileURLToPath } from "node:url";
import express, { type Express } from "express";

/** The operator console: static ES modules, one stylesheet, no build step (services/gateway/console). */
export const CONSOLE_PATH = "/console";
export const CONSOLE_DIR = fileURLToPath(new URL("../../console/", import.meta.url));

/**
 * Stricter than helmet's default: scripts, styles, images and API calls from this origin only, no
 * inline code, no framing. No `upgrade-insecure-requests`, which would break a console reached over
 * plain HTTP on a loopback or private address.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Serves the console from disk (a new version needs no restart). The key lives in the page's
 * sessionStorage and goes out as `Authorization: Bearer` to the same-origin /v1 API, so no CORS
 * permission is needed. `no-cache` makes browsers revalidate by ETag: a deploy is seen at once.
 */
export function mountConsoleRoutes(app: Express, dir = CONSOLE_DIR): void {
  app.use(
    CONSOLE_PATH,
    (_req, res, next) => {
      res.setHeader("Content-Security-Policy", CONSOLE_CSP);
      res.setHeader("Cache-Control", "no-cache");
      next();
    },
    express.static(dir, { index: "index.html", dotfiles: "ignore", cacheControl: false }),
  );
}
