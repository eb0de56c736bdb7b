/** Where the index is kept: nowhere (`memory`) or in a SQLite file (`sqlite`). */
export type StoreKind = "memory" | "sqlite";

/** How hard a commit pushes data to the disk (SQLite's `synchronous`). See docs/STORAGE.md. */
export type SyncMode = "full" | "normal" | "off";

export interface StoreOptions {
  kind: StoreKind;
  /** Directory holding `pkgindex.db`; created if missing (unless `readOnly`). */
  dataDir: string;
  sync: SyncMode;
  /**
   * For `pkgindex dump`: the database must already exist, is never created
   * or initialised, and every write is refused (SQLite `query_only`).
   */
  readOnly?: boolean;
}

export interface LoadStats {
  packages: number;
  edges: number;
  millis: number;
  /**
   * Packages passed to onPackage before some of their dependencies. Always 0
   * unless the stored graph has a cycle (only a server that allows cycles can
   * write one); those packages come last, in id order.
   */
  unordered: number;
}

export interface Store {
  readonly kind: StoreKind;
  /**
   * Calls onPackage once per stored package, in an order where every package
   * comes after its dependencies (so the caller can index them one by one);
   * returns counts and time taken. `deps` is a fresh array per call.
   */
  load(onPackage: (name: string, deps: readonly string[]) => void): LoadStats;
  /**
   * Records that `name` is now indexed with deps[0..depCount) (already
   * de-duplicated; replaces any old list). Part of the current batch. Copies
   * what it needs: the caller may reuse the array.
   */
  putPackage(name: string, deps: readonly string[], depCount: number): void;
  /** Records that `name` is removed. Part of the current batch. */
  deletePackage(name: string): void;
  /**
   * Commits everything recorded since the last commit as ONE transaction
   * (group commit). No-op (no write, no transaction) when nothing changed.
   * Throws PkgIndexError("PKGI_DB_COMMIT_FAILED") when the batch cannot be
   * made durable; the store then refuses all further writes. Throws
   * PkgIndexError("PKGI_DB_FULL") when only space ran out (isStoreFull):
   * nothing of the batch is stored, and the store stays usable.
   */
  commit(): void;
  /**
   * Drops everything recorded since the last commit began, committing
   * nothing (the caller undid those changes). No-op when nothing is pending.
   */
  rollback(): void;
  /**
   * Commits a write that changes nothing, to learn whether the store accepts
   * writes again after PKGI_DB_FULL. Throws like commit().
   */
  probe(): void;
  /** Transactions committed so far. */
  readonly commits: number;
  /** Closes the store; an uncommitted batch is rolled back, never committed. */
  close(): void;
  /**
   * Writes a consistent copy of everything committed to `file` (which must
   * not exist), while the store stays open: a live backup, between batches
   * (with no uncommitted batch). Absent on stores that have nothing to copy
   * (memory). Throws PKGI_BACKUP_FAILED.
   */
  backupTo?(file: string): void;
}
