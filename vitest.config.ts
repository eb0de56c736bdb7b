import { defineConfig } from "vitest/config";

const onPostgres = process.env.PKGINDEX_TEST_STORE === "postgres";
const report = process.env.PKGINDEX_TEST_REPORT;

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
    globalSetup: onPostgres ? ["apps/server/test/support/postgres-global-setup.ts"] : [],
    // .ci/run asks for a JSON report to print its one-line summary from; the
    // PostgreSQL run of scripts/run-tests.sh writes its own beside it
    // (x.json, x.postgres.json), and .ci/run sums both.
    reporters: report
      ? ["default", ["json", { outputFile: onPostgres ? report.replace(/(\.json)?$/, ".postgres.json") : report }]]
      : ["default"],
  },
});
