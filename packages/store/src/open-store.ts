import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { PkgIndexError } from "@pkgindex/errors";
import { ensureDataDir } from "./data-dir.ts";
import { inspectDatabaseFile } from "./db-header.ts";
import { MemoryStore } from "./memory-store.ts";
import { checkIdentity, DATABASE_FILE_NAME, prepareSchema } from "./schema.ts";
import { openFailure } from "./sqlite-errors.ts";
import { SqliteStore } from "./sqlite-store.ts";
import type { Store, StoreOptions, SyncMode } from "./store-types.ts";

const SYNCHRONOUS: Record<SyncMode, string> = { full: "FULL", normal: "NORMAL", off: "OFF" };

/** The database file a store with this data directory uses (absolute). */
export function databasePath(dataDir: string): string {
  return join(resolve(dataDir), DATABASE_FILE_NAME);
}

/**
 * Opens the store. For `sqlite`: creates the data directory if needed, refuses
 * (with a one-line PkgIndexError, leaving the file as it was) a directory it
 * cannot use, a file that is not a pkgindex database, one written by a newer
 * schema, or one another process has open; creates the schema in a new file.
 */
export function openStore(options: StoreOptions): Store {
  if (options.kind === "memory") return new MemoryStore();
  if (options.kind !== "sqlite") throw new Error(`unknown store kind ${String(options.kind)}`);
  const synchronous = SYNCHRONOUS[options.sync];
  if (synchronous === undefined) throw new Error(`unknown sync mode ${String(options.sync)}`);
  const readOnly = options.readOnly === true;
  const dir = resolve(options.dataDir);
  const path = join(dir, DATABASE_FILE_NAME);

  ensureDataDir(dir, readOnly);
  // Plain reads only: a file that is not a database, not ours, or from a
  // newer schema is refused before SQLite opens it.
  const file = inspectDatabaseFile(path);
  if (readOnly && file.state !== "sqlite") {
    throw new PkgIndexError("PKGI_DATA_DIR_UNUSABLE", { path: dir, reason: `it holds no ${DATABASE_FILE_NAME}` });
  }
  checkIdentity(path, file.applicationId, file.userVersion, file.pageCount);

  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { enableForeignKeyConstraints: false, timeout: 0 });
  } catch (err) {
    throw openFailure(err, path, dir);
  }
  try {
    // Before the first read: hold the file lock for the life of the
    // connection (one server per data directory) and keep the WAL index in
    // process memory (no -shm file).
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    prepareSchema(db, path, readOnly);
    db.exec(`PRAGMA synchronous = ${synchronous}`);
    if (readOnly) db.exec("PRAGMA query_only = ON");
    return new SqliteStore(db, path, options.retention ?? {});
  } catch (err) {
    try {
      db.close();
    } catch {
      // the open failure below is the one to report
    }
    throw openFailure(err, path, dir);
  }
}
