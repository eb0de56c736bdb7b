// Every operational error pkgindex can report, in one place, with a stable
// code (logs, exit messages and docs refer to these; never reuse a code).
// Protocol errors on request lines have their own catalogue in
// @pkgindex/protocol because they are answered with ERROR, not raised.
export const ERROR_CATALOGUE = {
  PKGI_NODE_VERSION: "Node.js {found} is too old: pkgindex needs Node.js {needed} or newer",
  PKGI_BAD_OPTION: "invalid value for --{option}: {reason}",
  PKGI_PORT_IN_USE: "cannot listen on {address}: the address is already in use",
  PKGI_LISTEN_FAILED: "cannot listen on {address}: {reason}",
  PKGI_STATE_OWNER_CRASHED: "the state owner thread died: {reason}",
  PKGI_WORKER_START_FAILED: "an I/O worker thread failed to start: {reason}",
  PKGI_DATA_DIR_UNUSABLE: "data directory {path} is unusable: {reason}",
  PKGI_DB_CORRUPT: "database {path} is not a usable pkgindex database: {reason}",
  PKGI_DB_NEWER_SCHEMA: "database {path} has schema version {found}; this pkgindex understands up to {supported}",
  PKGI_DB_COMMIT_FAILED: "commit to {path} failed: {reason}",
  PKGI_LOAD_FILE: "cannot load {path}: {reason}",
  PKGI_INTEGRITY: "index integrity check failed: {reason}",
  PKGI_DB_LOCKED: "database {path} is in use by another process: {reason}",
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
