import { afterAll, beforeAll } from "vitest";
import { startCluster, type TestCluster } from "@pkgindex/server-process";

/**
 * One throwaway PostgreSQL cluster per test file (@pkgindex/server-process
 * startCluster: initdb into a temporary directory, Unix socket only, fsync
 * on), stopped and removed after the file; each test makes its own database.
 */
export function usePostgres(): { readonly cluster: TestCluster } {
  const holder = {} as { cluster: TestCluster };
  beforeAll(async () => {
    holder.cluster = await startCluster();
  });
  afterAll(async () => {
    await holder.cluster?.stop();
  });
  return holder;
}

/** The serve flags of a node on `url` in layout `workers`. */
export function postgresArgs(url: string, workers: number, connectTimeoutSeconds = 20): string[] {
  return ["--store", "postgres", "--postgres-url", url, "--workers", String(workers), "--store-connect-timeout", String(connectTimeoutSeconds)];
}
