import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runCheck } from "../src/index.ts";
import { type PkgindexProcess, startPkgindexProcess } from "./pkgindex-process.ts";

// Worker mode with QUERY answered in the I/O workers from the shared read
// view (--reads local, the default) must stay linearizable under concurrent
// mutation, as the pure actor path (--reads owner) is; with the SQLite store
// the view is published only after each commit.

let servers: PkgindexProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});
const scratch = mkdtempSync(path.join(os.tmpdir(), "pkgindex-check-view-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each([
  ["local", "memory"],
  ["local", "sqlite"],
  ["owner", "memory"],
])("pkgindex --workers 3 --reads %s, %s store", (reads, store) => {
  it.each([
    [10, 1],
    [4, 4],
  ])("is linearizable with %i clients at pipeline %i", async (clients, pipeline) => {
    const storeArgs = store === "sqlite" ? ["--store", "sqlite", "--data-dir", mkdtempSync(path.join(scratch, "d-"))] : ["--store", "memory"];
    const server = await startPkgindexProcess(["--workers", "3", "--reads", reads, ...storeArgs]);
    servers.push(server);
    const result = await runCheck({ targets: [{ host: "127.0.0.1", port: server.port }], clients, seconds: 6, rounds: 30, seed: clients * 7 + pipeline, pipeline });
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe("linearizable");
    expect(result.answered).toBe(result.operations);
    expect(result.histories).toBe(30);
  });
});
