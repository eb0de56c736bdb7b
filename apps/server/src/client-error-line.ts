import { isPkgIndexClientError } from "@pkgindex/client";

/** One line for stderr naming the problem, with its stable code when it has one. */
export function clientErrorLine(err: unknown): string {
  if (isPkgIndexClientError(err)) return `pkgindex: [${err.code}] ${err.message}\n`;
  return `pkgindex: ${err instanceof Error ? err.message : String(err)}\n`;
}
