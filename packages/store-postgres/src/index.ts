import { isPkgIndexError } from "@pkgindex/errors";

export type { PgBulkLoadOptions, PgBulkLoadStats } from "./bulk-load.ts";
export { isDefiniteFailure } from "./pg-errors.ts";
export { PostgresFeedSource, type PostgresFeedEvent, type PostgresFeedOptions } from "./postgres-feed-source.ts";
export {
  PostgresStore,
  type PgEntry,
  type PgLoadStats,
  type PostgresStoreOptions,
  type RetryInfo,
} from "./postgres-store.ts";
export { CHANGES_CHANNEL, PG_SCHEMA, SCHEMA_VERSION, WRITER_LOCK_KEY } from "./schema.ts";

/**
 * Did a write fail without saying whether it committed (PKGI_PG_COMMIT_UNKNOWN)?
 * The engine must then close the client connections of that batch unanswered.
 */
export function isCommitOutcomeUnknown(err: unknown): boolean {
  return isPkgIndexError(err) && err.code === "PKGI_PG_COMMIT_UNKNOWN";
}
