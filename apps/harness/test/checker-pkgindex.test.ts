import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runCheck } from "../src/index.ts";
import { startIndexServer } from "./checker-servers.ts";
import { type PkgindexProcess, startPkgindexProcess } from "./pkgindex-process.ts";
import { runHarnessCli } from "./support/servers.ts";

/** A TCP forwarder to `port`: a second address for the same index, as a load balancer gives. */
async function startProxy(port: number): Promise<{ port: number; connections(): number; close(): void }> {
  const net = await import("node:net");
  let connections = 0;
  const sockets = new Set<import("node:net").Socket>();
  const proxy = net.createServer((client) => {
    connections++;
    const upstream = net.connect({ host: "127.0.0.1", port, noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  return {
    port: (proxy.address() as import("node:net").AddressInfo).port,
    connections: () => connections,
    close() {
      for (const s of sockets) s.destroy();
      proxy.close();
    },
  };
}

// pkgindex, in both layouts, must pass the checker: strict request/reply
// with 10 clients, and pipelined 4 deep with 4 clients (the search grows
// with the operations in flight at once, clients x pipeline: ~16 keeps each
// history to milliseconds); and the CLI runs the check end to end.

let servers: PkgindexProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});
const scratch = mkdtempSync(path.join(os.tmpdir(), "pkgindex-check-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each([0, 2])("pkgindex --workers %i, memory store", (workers) => {
  it.each([
    [10, 1],
    [4, 4],
  ])("is linearizable with %i clients at pipeline %i", async (clients, pipeline) => {
    const server = await startPkgindexProcess(["--workers", String(workers), "--store", "memory"]);
    servers.push(server);
    const result = await runCheck({ targets: [{ host: "127.0.0.1", port: server.port }], clients, seconds: 10, rounds: 40, seed: workers + pipeline, pipeline });
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe("linearizable");
    expect(result.answered).toBe(result.operations);
    expect(result.histories).toBe(40);
  });
});

describe("harness check (CLI)", () => {
  it("spreads clients over several addresses of one index (direct and through a TCP proxy), exits 0 and writes the Markdown report", async () => {
    const a = await startPkgindexProcess(["--workers", "2", "--store", "memory"]);
    servers.push(a);
    const proxy = await startProxy(a.port);
    const report = path.join(scratch, "report.md");
    const run = await runHarnessCli(["check", "--targets", `127.0.0.1:${a.port},127.0.0.1:${proxy.port}`, "--clients", "6", "--seconds", "1", "--seed", "3", "--report", report]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/from 6 clients on 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+/);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("LINEARIZABLE");
    expect(proxy.connections()).toBe(3);
    proxy.close();
    const md = readFileSync(report, "utf8");
    expect(md).toMatch(/^# Linearizability check\n/);
    for (const row of ["outcome | LINEARIZABLE", "operations | ", "clients | 6 on ", "history length | longest ", "check time | "]) expect(md).toContain(`| ${row}`);
  });

  it("exits 1 and prints the witness against a wrong server", async () => {
    const wrong = await startIndexServer({ staleReadsMs: 1 });
    try {
      const run = await runHarnessCli(["check", "--port", String(wrong.port), "--seconds", "2", "--seed", "1"]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/NOT LINEARIZABLE: round \d+ \(\d+ operations on /);
      expect(run.stdout).toMatch(/\n {2}c\d+ +\d+\.\d{3} +\d+\.\d{3} {2}QUERY\|/);
    } finally {
      await wrong.stop();
    }
  });

  it.each([
    [["--clients", "0"], "--clients must be an integer from 1 to 1000, got 0"],
    [["--seconds", "-1"], "--seconds must be a positive number of seconds"],
    [["--targets", "localhost"], '--targets must be host:port[,host:port...], got "localhost"'],
    [["--names", "7"], "--names must be an integer from 2 to 6, got 7"],
    [["--bogus"], "Unknown argument: bogus"],
  ])("refuses %j with one line naming the flag and exit 2", async (args, message) => {
    const run = await runHarnessCli(["check", ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`pkgindex-harness check: ${message}\n`);
  });
});
