import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, type LineServer, startLineServer } from "@pkgindex/server-process";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { EXIT_CANNOT_RUN, EXIT_OK, EXIT_USAGE, main } from "../src/cli.ts";
import { LoadPool, type LoadOptions } from "../src/index.ts";

const FIXTURE = path.resolve(fileURLToPath(import.meta.url), "../fixtures/ok-server.mjs");

/** A server replying by command: QUERY OK, INDEX FAIL, REMOVE OK, else ERROR (or `reply` for everything). */
function fakeServer(reply?: string): Promise<LineServer> {
  return startLineServer((line) => reply ?? (line.startsWith("QUERY|") ? "OK\n" : line.startsWith("INDEX|") ? "FAIL\n" : line.startsWith("REMOVE|") ? "OK\n" : "ERROR\n"));
}

let pool: LoadPool;
beforeAll(() => {
  pool = new LoadPool(2);
});
afterAll(async () => {
  await pool.close();
});

let fake: LineServer | null = null;
afterEach(async () => {
  await fake?.stop();
  fake = null;
});

const base = (port: number): LoadOptions => ({
  host: "127.0.0.1",
  port,
  connections: 6,
  depth: 1,
  durationMs: 300,
  warmupMs: 50,
  mix: "mixed",
  malformed: 0,
  seed: 1,
  source: { packages: 500, dataSeed: 1 },
  indexedShare: 0.5,
});

describe("LoadPool", () => {
  it("drives closed-loop pipelined load from two threads and counts every reply by code", async () => {
    fake = await fakeServer();
    const r = await pool.run({ ...base(fake.port), depth: 4, pid: process.pid });
    expect(r.errors).toBe(0);
    expect(r.replies).toBeGreaterThan(0);
    expect(r.ok + r.fail + r.error).toBe(r.replies);
    expect(r.latencyUs.count).toBe(r.replies);
    // mixed: 80% QUERY (OK here), 10% INDEX (FAIL here), 10% malformed (ERROR).
    expect(r.ok / r.replies).toBeGreaterThan(0.7);
    expect(r.error / r.replies).toBeGreaterThan(0.05);
    expect(r.latencyUs.p50).toBeGreaterThan(0);
    expect(r.latencyUs.p99).toBeGreaterThanOrEqual(r.latencyUs.p50);
    // This process is the "server": its CPU and memory are read from /proc.
    expect(r.server?.pid).toBe(process.pid);
    expect(r.server?.rssKiB).toBeGreaterThan(0);
    expect(r.server?.threads.length).toBeGreaterThan(0);
    // Never more replies than requests the server saw.
    expect(r.replies).toBeLessThanOrEqual(fake.lines());
  });

  it("drives an open loop at a fixed rate", async () => {
    fake = await fakeServer();
    const r = await pool.run({ ...base(fake.port), rate: 2000 });
    expect(r.rate).toBe(2000);
    expect(r.depth).toBe(0);
    expect(r.errors).toBe(0);
    expect(r.replies).toBeGreaterThan(0);
    expect(r.latencyUs.count).toBe(r.replies);
  });

  it("churns: each connection sends its lines, reads their replies and closes; the slot connects again", async () => {
    // Lines seen per connection, by the order connections arrived.
    const perConnection: number[] = [];
    const server = net.createServer((socket) => {
      const k = perConnection.push(0) - 1;
      socket.on("error", () => {});
      socket.on("data", (chunk: Buffer) => {
        let n = 0;
        for (const b of chunk) if (b === 10) n++;
        perConnection[k] += n;
        socket.write("OK\n".repeat(n));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const r = await pool.run({ ...base(port), connections: 3, depth: 2, linesPerConnection: 3, pid: process.pid });
      expect(r.errors).toBe(0);
      expect(r.linesPerConnection).toBe(3);
      const visits = Math.round(r.connectionsPerSecond! * r.seconds);
      expect(visits).toBeGreaterThan(10);
      // Only connections cut by the stop may have sent fewer lines; none sends more.
      expect(perConnection.filter((n) => n !== 3).length).toBeLessThanOrEqual(3);
      expect(Math.max(...perConnection)).toBe(3);
      expect(perConnection.length).toBeGreaterThanOrEqual(visits);
      // Replies in the window are three per visit, give or take the visits the window's edges cut.
      expect(Math.abs(r.replies - 3 * visits)).toBeLessThanOrEqual(3 * 3 * 2);
      // The latency of a churning client is its whole visit.
      expect(r.latencyUs.count).toBe(visits);
      expect(r.server?.cpuUsPerConnection).toBeGreaterThan(0);
      expect(r.connectionIntervals!.n).toBeGreaterThan(1);
    } finally {
      server.close();
    }
  });

  it("samples the server's RSS from the start of a run to the end of its window", async () => {
    fake = await fakeServer();
    const r = await pool.run({ ...base(fake.port), pid: process.pid });
    const rss = r.server!.rss;
    // 50 ms warm-up at one sample per 100 ms, then ten intervals of 100 ms (300 ms / 10, at least 100).
    expect(rss.samples.length).toBeGreaterThanOrEqual(3);
    const times = rss.samples.map(([t]) => t);
    expect(times.toSorted((a, b) => a - b)).toEqual(times);
    expect(rss.startMiB).toBe(rss.samples[0][1]);
    expect(rss.endMiB).toBe(rss.samples.at(-1)![1]);
    expect(rss.peakMiB).toBe(Math.max(...rss.samples.map(([, m]) => m)));
    expect(r.rpsIntervals.n).toBeGreaterThanOrEqual(2);
    expect(r.rpsIntervals.min).toBeLessThanOrEqual(r.rpsIntervals.max);
  });

  it("counts replies that are not OK, FAIL or ERROR as errors and names the first", async () => {
    fake = await fakeServer("MAYBE\n");
    const r = await pool.run(base(fake.port));
    expect(r.errors).toBeGreaterThan(0);
    expect(r.replies).toBe(0);
    expect(r.firstError).toBe('a reply that is not OK, FAIL or ERROR: "MAYBE"');
  });

  it("reports a refused connection as an error, not a hang", async () => {
    const port = await freePort();
    const r = await pool.run({ ...base(port), connections: 2 });
    expect(r.replies).toBe(0);
    expect(r.firstError).toBe("connection error: ECONNREFUSED");
    expect(r.errors).toBe(2);
  });
});

function quiet() {
  return { log: vi.spyOn(console, "log").mockImplementation(() => {}), error: vi.spyOn(console, "error").mockImplementation(() => {}) };
}

describe("the bench CLI", () => {

  it.each([
    [["--connections", "0"], "--connections must be an integer from 1 to 100000, got 0"],
    [["--pattern", "open"], "--rate is required with --pattern open"],
    [["--rate", "10"], "--rate only applies to --pattern open"],
    [["--lines", "2"], "--lines only applies to --pattern churn"],
    [["--pattern", "churn", "--lines", "0"], "--lines must be an integer from 1 to 1000000, got 0"],
    [["--port-range", "9-3"], '--port-range must be LO-HI, ports from 1 to 65535, got "9-3"'],
    [["--max-spread", "-1"], "--max-spread must be zero or a positive number"],
    [["--rss-chart", "x.svg"], "--rss-chart needs the server's --pid, or --pkgindex or --start"],
    [["--baseline-file", "/nonexistent/base.json", "--start", "true"], "--baseline-file /nonexistent/base.json: no such file"],
    [["sweep", "--rates", "0..10"], '--rates LO..HI needs 0 < LO < HI, got "0..10"'],
    [["soak", "--churn-clients", "0"], "--churn-clients must be an integer from 1 to 10000, got 0"],
    [["--mix", "nope"], "Invalid values: Argument: mix, Given: \"nope\", Choices:"],
    [["--threads", "0"], "--threads must be an integer from 1 to 64, got 0"],
    [["compare", "--connections", "10,x"], '--connections must be a comma-separated list of integers from 1 to 100000, got "10,x"'],
    [["compare", "--external", "goref"], '--external must be NAME=COMMAND, got "goref"'],
    [["compare", "--baseline", "nope"], "--baseline nope is not one of the modes: pkgindex-w0, pkgindex-w3"],
    [["--bogus"], "Unknown argument: bogus"],
  ])("refuses %j with one line and exit 2", async (args, message) => {
    const { log, error } = quiet();
    try {
      expect(await main(args)).toBe(EXIT_USAGE);
      expect(error).toHaveBeenCalledTimes(1);
      expect(String(error.mock.calls[0][0])).toContain(`pkgindex-bench: ${message}`);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });

  it("exits 3 with one line when the server it starts dies", async () => {
    const { log, error } = quiet();
    try {
      expect(await main(["--start", "sh -c 'echo no such port >&2; exit 7'", "--duration", "0.1"])).toBe(EXIT_CANNOT_RUN);
      expect(error.mock.calls).toEqual([["pkgindex-bench: server exited (7) before listening: no such port"]]);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });

  it("runs a ramp against a server it starts and prints JSON with the knee", async () => {
    const { log, error } = quiet();
    try {
      const code = await main(["--start", `${process.execPath} ${FIXTURE} {port}`, "--pattern", "ramp", "--connections", "4", "--duration", "0.2", "--warmup", "0.05", "--packages", "300", "--json"]);
      expect(code).toBe(EXIT_OK);
      const out = JSON.parse(String(log.mock.calls.at(-1)![0]));
      expect(out.results.map((r: { connections: number }) => r.connections)).toEqual([1, 2, 4]);
      expect(out.knee.connections).toBeGreaterThan(0);
      expect(out.results[0].server.cpuUsPerRequest).toBeGreaterThan(0);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});
