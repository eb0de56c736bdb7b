export { formatBrew, type BrewEntry } from "@pkgindex/brew-format";
export { parseBrew } from "./brew-format.ts";
export { bulkLoad, type BulkLoadOptions } from "./bulk-load.ts";
export { dumpBrew, dumpEntries } from "./dump.ts";
export { databasePath, openStore } from "./open-store.ts";
export { SCHEMA_VERSION } from "./schema.ts";
export type { SqliteStore } from "./sqlite-store.ts";
export type { ChangeRetention, Store, StoredChange, StoreKind, StoreOptions, SyncMode } from "./store-types.ts";
export { dependencyOrder, type CsrGraph, type DependencyOrder } from "./dependency-order.ts";
