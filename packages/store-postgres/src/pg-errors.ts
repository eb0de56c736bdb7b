import { DatabaseError } from "pg";

/**
 * One line describing any error pg can report: the server's message and
 * SQLSTATE, or the socket error (an AggregateError from trying several
 * addresses has an empty message, so its first error is named instead).
 */
export function describe(err: unknown): string {
  if (err instanceof DatabaseError) return oneLine(`${err.message} (SQLSTATE ${err.code ?? "?"})`);
  if (err instanceof AggregateError && err.errors.length > 0) return describe(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return oneLine(typeof code === "string" && !err.message.includes(code) ? `${err.message} (${code})` : err.message);
  }
  return oneLine(String(err));
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ");
}

// SQLSTATE classes after which the transaction's fate is not known from the
// error alone: 08 connection exception, 57 operator intervention (shutdown,
// crash of another backend), 58 system error (I/O), XX internal error (a
// PANIC, which can follow a commit record already written).
const UNKNOWN_CLASSES = new Set(["08", "57", "58", "XX"]);

/**
 * Did the statement certainly not commit? True only for an error the server
 * reported for the statement (an ErrorResponse) of a class that aborts the
 * transaction: in autocommit an aborted statement is a rolled-back
 * transaction. Everything else (the socket closed or reset, a timeout, a
 * FATAL/PANIC shutdown class) leaves the COMMIT outcome unknown: the server
 * may have committed and lost only the reply.
 */
export function isDefiniteFailure(err: unknown): boolean {
  if (!(err instanceof DatabaseError)) return false;
  const code = err.code ?? "";
  return code.length === 5 && !UNKNOWN_CLASSES.has(code.slice(0, 2));
}
