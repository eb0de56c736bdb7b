import { loadBrewFile, runHarness } from "@pkgindex/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BREW_DATA, MODES, startServer, type ServerProcess } from "./support/server-process.ts";

// The challenge harness's phases over the real Homebrew data, at concurrency
// 100 with 5% malformed lines, in every server layout.
const data = loadBrewFile(BREW_DATA);

describe.each(MODES)("challenge phases on the Homebrew data, --workers %i", (workers) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(["--workers", String(workers), "--store", "memory"]);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("remove all, index until all OK, query all OK, remove until none, query all FAIL", async () => {
    const result = await runHarness({
      host: "127.0.0.1",
      port: server.port,
      data,
      concurrency: 100,
      seed: 7,
      unluckiness: 5,
      disconnects: 0,
      pipeline: 1,
      timeoutSeconds: 30,
    });
    expect(JSON.stringify(result.failure)).toBe("null");
    expect(result.phases.map((p) => p.phase)).toEqual(["cleanup", "index", "query-indexed", "remove", "query-removed"]);
    expect(result.phases[1].ok).toBe(3370);
    expect(result.phases[2].ok).toBe(3370);
    expect(result.phases[4].fail).toBe(3370);
    // 5% malformed lines really went out, and each got ERROR.
    const malformed = result.phases.reduce((n, p) => n + p.malformed, 0);
    expect(malformed).toBeGreaterThan(500);
    for (const p of result.phases) expect(p.error).toBe(p.malformed);
  });
});
