export { formatBrew, type BrewEntry } from "@pkgindex/brew-format";
export { parseBrew } from "./brew-format.ts";
export { bulkLoad, type BulkLoadOptions, type BulkLoadStats } from "./bulk-load.ts";
export { dumpBrew, dumpEntries } from "./dump.ts";
export { databasePath, openStore } from "./open-store.ts";
export { DATABASE_FILE_NAME, SCHEMA_VERSION } from "./schema.ts";
export type { SqliteSettings, SqliteStore } from "./sqlite-store.ts";
export type { LoadStats, Store, StoreKind, StoreOptions, SyncMode } from "./store-types.ts";
