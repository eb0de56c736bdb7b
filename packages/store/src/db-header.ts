import { closeSync, openSync, readSync, statSync } from "node:fs";
import { PkgIndexError } from "@pkgindex/errors";
import { describeFsError } from "./data-dir.ts";
import { readWalPageOne } from "./wal-page-one.ts";

/** The 100-byte header every SQLite database file starts with. */
const HEADER_BYTES = 100;
const MAGIC = "SQLite format 3\0";

export interface DatabaseFileState {
  /** `missing` and `empty` both mean: a new database will be created. */
  state: "missing" | "empty" | "sqlite";
  /**
   * PRAGMA application_id, user_version and the size in pages, as of the last
   * committed transaction (in the WAL when it holds one, else the main file).
   */
  applicationId: number;
  userVersion: number;
  pageCount: number;
}

function corrupt(path: string, reason: string): PkgIndexError {
  return new PkgIndexError("PKGI_DB_CORRUPT", { path, reason });
}

function unusable(path: string, reason: string, cause?: unknown): PkgIndexError {
  return new PkgIndexError("PKGI_DATA_DIR_UNUSABLE", { path, reason }, { cause });
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Looks at the database file with plain reads before SQLite ever opens it, so
 * that a file that is not a SQLite database (random bytes, a text file, a
 * truncated copy) is refused without being touched: SQLite itself would not
 * rewrite such a file, but nothing here relies on that.
 */
export function inspectDatabaseFile(path: string): DatabaseFileState {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw corrupt(path, "it is not a regular file");
    size = st.size;
  } catch (err) {
    if (err instanceof PkgIndexError) throw err;
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw unusable(path, describeFsError(err), err);
    size = -1;
  }
  if (size <= 0) {
    // A left-over WAL with no database would be replayed into a new, empty
    // database by SQLite; that is never what an operator wants silently.
    if (sizeOf(`${path}-wal`) > 0) {
      throw corrupt(path, `${size < 0 ? "it is missing" : "it is empty"} but ${path}-wal holds data; restore the database file or remove the WAL`);
    }
    return { state: size < 0 ? "missing" : "empty", applicationId: 0, userVersion: 0, pageCount: 0 };
  }
  if (size < HEADER_BYTES) throw corrupt(path, `only ${size} bytes, shorter than a SQLite header`);

  const header = Buffer.alloc(HEADER_BYTES);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw unusable(path, describeFsError(err), err);
  }
  try {
    readSync(fd, header, 0, HEADER_BYTES, 0);
  } catch (err) {
    throw unusable(path, describeFsError(err), err);
  } finally {
    closeSync(fd);
  }

  if (header.toString("latin1", 0, 16) !== MAGIC) throw corrupt(path, "not a SQLite database (bad header)");
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw corrupt(path, `invalid page size ${rawPageSize} in the header`);
  const readVersion = header[19];
  if (readVersion !== 1 && readVersion !== 2) throw corrupt(path, `unknown SQLite file format version ${readVersion}`);
  if (header[21] !== 64 || header[22] !== 32 || header[23] !== 32) throw corrupt(path, "invalid SQLite header");
  if (size % pageSize !== 0) throw corrupt(path, `size ${size} is not a whole number of ${pageSize}-byte pages (truncated?)`);

  // The in-header size is valid when the change counter matches
  // version-valid-for; otherwise the file size says it.
  let pageCount = header.readUInt32BE(24) === header.readUInt32BE(92) ? header.readUInt32BE(28) : size / pageSize;
  let current: Buffer = header;
  const wal = readWalPageOne(`${path}-wal`);
  if (wal !== undefined) {
    pageCount = wal.pageCount;
    if (wal.header !== undefined) current = wal.header;
  }
  return { state: "sqlite", userVersion: current.readInt32BE(60), applicationId: current.readInt32BE(68), pageCount };
}
