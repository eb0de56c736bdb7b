import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDag, type HarnessOptions, loadBrewFile, runHarness } from "../src/index.ts";
import type { ServerProcess } from "@pkgindex/server-process";
import { BREW_DATA, runHarnessCli, startPkgindex } from "./support/servers.ts";

// The acceptance matrix: the harness passes against pkgindex in single-owner
// mode and with three I/O workers, at concurrency 1, 10 and 100, seeds 1-3.
// The data is generated small enough to keep the matrix quick; the
// Homebrew dump runs once per mode with every extra turned on.

const PACKAGES = 300;
const data = generateDag({ packages: PACKAGES, seed: 1 });

function defineMatrix(workers: number, withCli: boolean): void {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startPkgindex(workers);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const options = (overrides: Partial<HarnessOptions>): HarnessOptions => ({
    host: "127.0.0.1",
    port: server.port,
    data,
    concurrency: 1,
    seed: 1,
    unluckiness: 5,
    disconnects: 0,
    pipeline: 1,
    timeoutSeconds: 20,
    ...overrides,
  });

  it.each([1, 10, 100].flatMap((concurrency) => [1, 2, 3].map((seed) => [concurrency, seed])))(
    "passes at concurrency %i, seed %i",
    async (concurrency, seed) => {
      const result = await runHarness(options({ concurrency, seed }));
      expect(JSON.stringify(result.failure)).toBe("null"); // prints the whole failure when there is one
      expect(result.phases.map((p) => p.phase)).toEqual(["cleanup", "index", "query-indexed", "remove", "query-removed"]);
      const index = result.phases[1];
      expect(index.ok).toBe(PACKAGES);
      expect(result.phases[2].ok).toBe(PACKAGES);
      expect(result.phases[4].fail).toBe(PACKAGES);
      for (const p of result.phases) expect(p.error).toBe(p.malformed);
    },
  );

  it("passes on the Homebrew dump at concurrency 100, pipelined 8 deep, with disconnects mid-line", async () => {
    const result = await runHarness(options({ data: loadBrewFile(BREW_DATA), concurrency: 100, pipeline: 8, disconnects: 2, seed: 4 }));
    expect(JSON.stringify(result.failure)).toBe("null");
    expect(result.phases[1].ok).toBe(3370);
    expect(result.phases.reduce((n, p) => n + p.disconnects, 0)).toBeGreaterThan(0);
  });

  // The CLI end to end once (a child process costs a second or two).
  if (!withCli) return;
  it("exits 0 from the CLI with --json", async () => {
    const run = await runHarnessCli(["--port", String(server.port), "--packages", "300", "--concurrency", "20", "--seed", "1", "--json"]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.ok).toBe(true);
    expect(out.failure).toBeNull();
    expect(out.config).toMatchObject({ concurrency: 20, seed: 1, packages: 300 });
  });
}

describe("pkgindex --workers 0", () => {
  defineMatrix(0, true);
});
describe("pkgindex --workers 3", () => {
  defineMatrix(3, false);
});
