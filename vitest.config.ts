import { defineConfig } from "vitest/config";

// One root config so `vitest run` covers every workspace package and app.
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real servers; two cores, so keep parallelism modest.
    maxWorkers: 2,
    // PKGINDEX_TEST_STORE=postgres: the integration suite's servers run on
    // PostgreSQL (apps/server/test/support/server-process.ts).
    globalSetup: process.env.PKGINDEX_TEST_STORE === "postgres" ? ["apps/server/test/support/postgres-global-setup.ts"] : [],
    // .ci/run asks for a JSON report to print its one-line summary from.
    reporters: process.env.PKGINDEX_TEST_REPORT
      ? ["default", ["json", { outputFile: process.env.PKGINDEX_TEST_REPORT }]]
      : ["default"],
  },
});
