// vitest globalSetup, active only with PKGINDEX_TEST_STORE=postgres (see
// vitest.config.ts): one throwaway PostgreSQL cluster for the whole run,
// whose address the test processes get through inject("postgresAdminUrl");
// startServer then gives every server that would have run on --store memory
// a fresh database of its own instead.
import { startCluster } from "@pkgindex/server-process";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startCluster();
  project.provide("postgresAdminUrl", cluster.url("postgres"));
  return () => cluster.stop();
}
