import { afterAll, beforeAll } from "vitest";
import { PkgIndexError } from "@pkgindex/errors";
import { PostgresStore, type PostgresStoreOptions } from "../src/index.ts";
import { databaseOf, startCluster, type TestCluster } from "@pkgindex/server-process";

/**
 * One cluster per test file (start-up is the slow part, about a second),
 * stopped and removed after the file; each test makes its own database.
 */
const opened: PostgresStore[] = [];

export function useCluster(): { readonly cluster: TestCluster } {
  const holder = {} as { cluster: TestCluster };
  beforeAll(async () => {
    holder.cluster = await startCluster();
  });
  afterAll(async () => {
    for (const store of opened.splice(0)) await store.close();
    await holder.cluster?.stop();
  });
  return holder;
}


/** PostgresStore.connect with a short default timeout (url undefined: from the PG* variables); closed after the file (before its cluster stops). */
export async function connect(url: string | undefined, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const store = await PostgresStore.connect({ connectionString: url, connectTimeoutMillis: 10_000, ...options });
  opened.push(store);
  return store;
}

export { databaseOf };

/** What a promise rejects with, as {code, message}; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<{ pkgIndexError: boolean; code: string | undefined; message: string; oneLine: boolean }> {
  try {
    await promise;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { pkgIndexError: err instanceof PkgIndexError, code: (err as { code?: string }).code, message, oneLine: !message.includes("\n") };
  }
  throw new Error("expected a rejection, but the promise resolved");
}

/** Reply codes as a plain array, for toEqual against the model's. */
export function codes(bytes: Uint8Array): number[] {
  return [...bytes];
}

/**
 * Waits (polling pg_locks, bounded) until `count` sessions wait for the
 * writer's advisory lock: how a test knows batches are queued behind it,
 * without a fixed sleep.
 */
export async function waitForLockWaiters(cluster: TestCluster, database: string, count: number, deadlineMillis = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMillis;
  for (;;) {
    const rows = await cluster.sql(database, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    if (Number(rows[0].n) >= count) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${count} sessions waiting for the writer lock after ${deadlineMillis} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls a condition every 10 ms until it holds, failing after a bounded deadline. */
export async function waitUntil(condition: () => boolean, deadlineMillis = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMillis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${deadlineMillis} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
