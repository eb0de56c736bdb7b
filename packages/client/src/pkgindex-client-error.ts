import { CLIENT_ERROR_CATALOGUE, type ClientErrorCode } from "./error-catalogue.ts";

/**
 * The one error class the client rejects with. `code` is stable; `message`
 * is one line for people; `details` holds the values the message was made
 * from (address, request line, timeout) for programs.
 */
export class PkgIndexClientError extends Error {
  readonly code: ClientErrorCode;
  readonly details: Readonly<Record<string, string | number>>;

  constructor(code: ClientErrorCode, details: Record<string, string | number> = {}, options?: { cause?: unknown }) {
    const template: string = CLIENT_ERROR_CATALOGUE[code];
    super(
      template.replace(/\{(\w+)\}/g, (_, key: string) => String(details[key] ?? `{${key}}`)),
      options,
    );
    this.name = "PkgIndexClientError";
    this.code = code;
    this.details = details;
  }
}

/** True for an error from this client, optionally of one code. */
export function isPkgIndexClientError(err: unknown, code?: ClientErrorCode): err is PkgIndexClientError {
  return err instanceof PkgIndexClientError && (code === undefined || err.code === code);
}
