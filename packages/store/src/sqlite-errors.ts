import { PkgIndexError } from "@pkgindex/errors";

// SQLite primary result codes (https://www.sqlite.org/rescode.html).
const SQLITE_READONLY = 8;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

/** The extended result code node:sqlite attaches as `errcode`, if any. */
function sqliteErrorCode(err: unknown): number | undefined {
  const code = (err as { errcode?: unknown } | null)?.errcode;
  return typeof code === "number" ? code : undefined;
}

/** Names of the extended result codes an operator is likely to meet. */
const CODE_NAMES: Record<number, string> = {
  5: "SQLITE_BUSY",
  8: "SQLITE_READONLY",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  26: "SQLITE_NOTADB",
  266: "SQLITE_IOERR_READ",
  522: "SQLITE_IOERR_SHORT_READ",
  778: "SQLITE_IOERR_WRITE",
  1034: "SQLITE_IOERR_FSYNC",
  1290: "SQLITE_IOERR_DIR_FSYNC",
  1546: "SQLITE_IOERR_TRUNCATE",
  1811: "SQLITE_CONSTRAINT_TRIGGER",
  2067: "SQLITE_CONSTRAINT_UNIQUE",
};

/**
 * SQLITE_FULL: the file system (or a quota, or max_page_count) refused to
 * let the database grow. Nothing is wrong with what is stored, and a retry
 * can succeed once space is back; every other failure of a write (an I/O
 * error, a failed sync) may have lost data the kernel had accepted, so it is
 * never retried.
 */
export function isSqliteFull(err: unknown): boolean {
  const code = sqliteErrorCode(err);
  return code !== undefined && (code & 0xff) === SQLITE_FULL;
}

/** One line for an operator: SQLite's message and its extended result code. */
export function describeSqliteError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = sqliteErrorCode(err);
  if (code === undefined) return message;
  return `${message} (${CODE_NAMES[code] ?? `SQLite code ${code}`})`;
}

/**
 * Turns whatever failed while opening and checking the database into the
 * operator-facing error. PkgIndexErrors pass through; errors that are not
 * from SQLite (bugs) are rethrown as they are.
 */
export function openFailure(err: unknown, path: string, dir: string): Error {
  if (err instanceof PkgIndexError) return err;
  const code = sqliteErrorCode(err);
  if (code === undefined) return err instanceof Error ? err : new Error(String(err));
  const reason = describeSqliteError(err);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new PkgIndexError(
        "PKGI_DB_LOCKED",
        { path, reason: "another process holds its lock (is a pkgindex server already running on this data directory?)" },
        { cause: err },
      );
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return new PkgIndexError("PKGI_DB_CORRUPT", { path, reason }, { cause: err });
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return new PkgIndexError("PKGI_DATA_DIR_UNUSABLE", { path: dir, reason }, { cause: err });
    default:
      return new PkgIndexError("PKGI_DB_CORRUPT", { path, reason }, { cause: err });
  }
}
