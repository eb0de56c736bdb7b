import { PROXY_ERRORS, type ProxyErrorName } from "./proxy-errors.ts";
import type { ProxyFailure } from "./proxy-result.ts";

/**
 * Builds a failure result once, at module load: every failure the parser
 * can return is one of these constants, so an error allocates nothing.
 */
export function failure(name: ProxyErrorName, reason: string): ProxyFailure {
  const e = PROXY_ERRORS[name];
  return Object.freeze({ status: "error", code: e.id, message: e.message, reason });
}
