// Every operational error pkgindex can report, in one place, with a stable
// code (logs, exit messages and docs refer to these; never reuse a code).
// Protocol errors on request lines have their own catalogue in
// @pkgindex/protocol because they are answered with ERROR, not raised.
export const ERROR_CATALOGUE = {
  PKGI_NODE_VERSION: "Node.js {found} is too old: pkgindex needs Node.js {needed} or newer",
  // Printed by apps/server/bin/pkgindex (a shell script, before any JS runs).
  PKGI_NOT_BUILT: "the bundle ({path}) is missing: run `npx -y pnpm@10.34.8 build` first",
  PKGI_BAD_OPTION: "invalid value for --{option}: {reason}",
  PKGI_BAD_ENV: "invalid value for {variable} (--{option}): {reason}",
  PKGI_UNKNOWN_OPTION: "unknown option {option} (see {help})",
  PKGI_USAGE: "{reason} (see {help})",
  PKGI_PORT_IN_USE: "cannot listen on {address}: the address is already in use",
  PKGI_LISTEN_FAILED: "cannot listen on {address}: {reason}",
  PKGI_STATE_OWNER_CRASHED: "the state owner thread died: {reason}",
  PKGI_WORKER_START_FAILED: "an I/O worker thread failed to start: {reason}",
  PKGI_DATA_DIR_UNUSABLE: "data directory {path} is unusable: {reason}",
  PKGI_DB_CORRUPT: "database {path} is not a usable pkgindex database: {reason}",
  PKGI_DB_NEWER_SCHEMA: "database {path} has schema version {found}; this pkgindex understands up to {supported}",
  PKGI_DB_COMMIT_FAILED: "commit to {path} failed: {reason}",
  PKGI_DB_FULL: "commit to {path} failed, the disk or quota is full: {reason}",
  PKGI_LOAD_FILE: "cannot load {path}: {reason}",
  PKGI_INTEGRITY: "index integrity check failed: {reason}",
  PKGI_TLS_FILE: "--{option} {path}: {reason}",
  PKGI_DB_LOCKED: "database {path} is in use by another process: {reason}",
  PKGI_BACKUP_UNAVAILABLE: "cannot back up a --store {store} index: {reason}",
  PKGI_BACKUP_FAILED: "backup to {path} failed: {reason}",
  // pkgindex watch (the change feed's client).
  PKGI_FEED_GONE: "the feed at {url} cannot continue from revision {since}: {reason}",
  PKGI_FEED_REFUSED: "the feed at {url} refused the request (HTTP {status}): {reason}",
  // PostgreSQL store (@pkgindex/store-postgres). {target} is user@host:port/database, never a password.
  PKGI_PG_CONNECT_FAILED: "cannot connect to PostgreSQL {target} within {seconds} s: {reason}",
  PKGI_PG_NEWER_SCHEMA: "PostgreSQL database {target} has pkgindex schema version {found}; this pkgindex understands up to {supported}",
  PKGI_PG_SCHEMA: "PostgreSQL database {target} cannot hold the pkgindex schema: {reason}",
  PKGI_PG_COMMIT_FAILED: "PostgreSQL {target} did not commit the batch (nothing of it is stored): {reason}",
  PKGI_PG_COMMIT_UNKNOWN: "lost PostgreSQL {target} before the batch's commit was confirmed (it may or may not be stored): {reason}",
  PKGI_PG_READ_FAILED: "reading the index from PostgreSQL {target} failed: {reason}",
  PKGI_PG_CLOSED: "the PostgreSQL store for {target} is closed",
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
