import { ERROR_CATALOGUE, type ErrorCode } from "./catalogue.ts";

/**
 * An expected failure with a stable code and a one-line message meant for
 * the operator: the CLI prints `message` and exits non-zero, with no stack.
 */
export class PkgIndexError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, string | number>>;

  constructor(code: ErrorCode, details: Record<string, string | number> = {}, options?: { cause?: unknown }) {
    const template: string = ERROR_CATALOGUE[code];
    super(
      template.replace(/\{(\w+)\}/g, (_, key: string) => String(details[key] ?? `{${key}}`)),
      options,
    );
    this.name = "PkgIndexError";
    this.code = code;
    this.details = details;
  }
}

export function isPkgIndexError(err: unknown): err is PkgIndexError {
  return err instanceof PkgIndexError;
}
