import type { DatabaseSync } from "node:sqlite";
import { PkgIndexError } from "@pkgindex/errors";

/** The database file inside the data directory. */
export const DATABASE_FILE_NAME = "pkgindex.db";

/**
 * PRAGMA user_version of the schema this code writes. Bump it with every
 * schema change and add a migration from the previous version; an older
 * pkgindex refuses a newer file instead of guessing (PKGI_DB_NEWER_SCHEMA).
 * A migration must checkpoint the WAL before serving, so that the version in
 * the main file's header (read before SQLite opens the file) is current.
 */
export const SCHEMA_VERSION = 2;

/** PRAGMA application_id: "pkgi" in ASCII; marks the file as ours. */
const APPLICATION_ID = 0x706b6769;

const CREATE_CHANGES = `
CREATE TABLE meta (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  revision  INTEGER NOT NULL CHECK (revision >= 0)
) STRICT;
INSERT INTO meta (singleton, revision) VALUES (1, 0);
CREATE TABLE changes (
  revision INTEGER PRIMARY KEY,
  command  TEXT NOT NULL CHECK (command IN ('INDEX', 'REMOVE')),
  name     TEXT NOT NULL,
  deps     TEXT NOT NULL,
  at       INTEGER NOT NULL
) STRICT;
`;

// Names are interned once in `packages`; an edge is two integers in a
// WITHOUT ROWID table clustered by (pkg, dep), so a package's dependency list
// is one contiguous range of one b-tree. No REFERENCES clause: the in-memory
// graph is the authority on referential integrity, and enforcing a foreign
// key on DELETE would need a second index on edges(dep) (load() checks that
// every edge points at a stored package instead).
const CREATE_SCHEMA = `
CREATE TABLE packages (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
) STRICT;
CREATE TABLE edges (
  pkg INTEGER NOT NULL,
  dep INTEGER NOT NULL,
  PRIMARY KEY (pkg, dep)
) WITHOUT ROWID, STRICT;
${CREATE_CHANGES}
PRAGMA application_id = ${APPLICATION_ID};
PRAGMA user_version = ${SCHEMA_VERSION};
`;

// Version 2 (the change feed, issue 14): the same layout as
// @pkgindex/store-postgres keeps. `meta` holds the current revision (the
// last change assigned one), so it survives a retention that dropped every
// row of `changes`. deps: the new dependency list joined by ',' ('' for none
// and for REMOVE); at: when it was applied (ms since the epoch), for
// retention by age.
const MIGRATE_1_TO_2 = `
${CREATE_CHANGES}
PRAGMA user_version = 2;
`;

const EXPECTED_COLUMNS: Record<string, string[]> = {
  packages: ["id", "name"],
  edges: ["pkg", "dep"],
  meta: ["singleton", "revision"],
  changes: ["revision", "command", "name", "deps", "at"],
};

/** Tables added after version 1: a read-only open (dump) of a version 1 file goes without them. */
const SINCE_VERSION_2 = new Set(["meta", "changes"]);

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * Refuses a file that is not ours or that a newer pkgindex wrote, from the
 * application_id and user_version alone. Used on the raw header before
 * SQLite opens the file, and again on the values SQLite reports (which
 * include a WAL not yet checkpointed).
 */
export function checkIdentity(path: string, applicationId: number, userVersion: number, pageCount: number): void {
  if (applicationId === 0 && userVersion === 0) {
    // An empty database (no table: one page at most) becomes ours; anything
    // with content and no pkgindex application_id belongs to someone else.
    if (pageCount <= 1) return;
    throw new PkgIndexError("PKGI_DB_CORRUPT", {
      path,
      reason: `not a pkgindex database (it has ${pageCount} pages of content but no pkgindex application_id)`,
    });
  }
  if (applicationId !== APPLICATION_ID) {
    throw new PkgIndexError("PKGI_DB_CORRUPT", {
      path,
      reason: `not a pkgindex database (application_id ${hex(applicationId)}, user_version ${userVersion})`,
    });
  }
  if (userVersion > SCHEMA_VERSION) {
    throw new PkgIndexError("PKGI_DB_NEWER_SCHEMA", { path, found: userVersion, supported: SCHEMA_VERSION });
  }
  if (userVersion < 1) throw new PkgIndexError("PKGI_DB_CORRUPT", { path, reason: `invalid schema version ${userVersion}` });
}

function pragmaNumber(db: DatabaseSync, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined;
  return Number(row?.[name] ?? 0);
}

/**
 * Checks an open database and creates the schema when the file is new. Writes
 * nothing before the file has been recognised as an empty database or a
 * pkgindex database this code understands.
 */
export function prepareSchema(db: DatabaseSync, path: string, readOnly: boolean): void {
  // The first read: under locking_mode=EXCLUSIVE this takes (and keeps) the
  // file lock, so a second process fails here with SQLITE_BUSY.
  const applicationId = pragmaNumber(db, "application_id");
  const userVersion = pragmaNumber(db, "user_version");
  const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  );

  if (applicationId === 0 && userVersion === 0) {
    if (tables.length > 0) {
      throw new PkgIndexError("PKGI_DB_CORRUPT", {
        path,
        reason: `not a pkgindex database (it has tables ${tables.join(", ")} but no pkgindex application_id)`,
      });
    }
    if (readOnly) throw new PkgIndexError("PKGI_DB_CORRUPT", { path, reason: "the database is empty (no pkgindex schema)" });
    createSchema(db);
    return;
  }
  checkIdentity(path, applicationId, userVersion, 1);

  for (const [table, columns] of Object.entries(EXPECTED_COLUMNS)) {
    if (userVersion < 2 && SINCE_VERSION_2.has(table)) continue;
    const found = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((r) => r.name);
    if (found.join(",") !== columns.join(",")) {
      throw new PkgIndexError("PKGI_DB_CORRUPT", {
        path,
        reason: found.length === 0 ? `table ${table} is missing` : `table ${table} has columns (${found.join(", ")}), expected (${columns.join(", ")})`,
      });
    }
  }
  if (!readOnly) {
    const mode = db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
    if (mode.journal_mode !== "wal") db.exec("PRAGMA journal_mode = WAL");
    if (userVersion === 1) migrate(db, MIGRATE_1_TO_2);
  }
}

function createSchema(db: DatabaseSync): void {
  db.exec("PRAGMA journal_mode = WAL");
  migrate(db, CREATE_SCHEMA);
}

/** Runs `sql` in one transaction, then checkpoints so the main file's header is current (see SCHEMA_VERSION). */
function migrate(db: DatabaseSync, sql: string): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(sql);
    db.exec("COMMIT");
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
  // Copy the new header into the main file now, so the identity read from it
  // before any later open is current (see SCHEMA_VERSION).
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}
