import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { aggregateMetrics, createSupervisorMetrics, type MetricsSnapshot } from "@pkgindex/metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminServer, type AdminServer } from "../src/index.ts";
import { request } from "./http-request.ts";

// The wiring the runtime is meant to do, with real threads: each thread owns
// its registry; the main thread asks every thread for a snapshot, merges them
// with its own and serves the text.

const threads: Worker[] = [];
let nextId = 0;
let admin: AdminServer;
const supervisor = createSupervisorMetrics({ build: { version: "0.0.1", revision: "test" }, supervising: true });

function ask<T>(worker: Worker, message: Record<string, unknown>, reply: string): Promise<T> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMessage = (m: { type: string; id: number }) => {
      if (m.type !== reply || m.id !== id) return;
      worker.off("message", onMessage);
      resolve(m as T);
    };
    worker.on("message", onMessage);
    worker.postMessage({ ...message, id });
  });
}

async function metricsText(): Promise<string> {
  const snapshots = await Promise.all(threads.map((w) => ask<{ snapshot: MetricsSnapshot }>(w, { type: "metrics" }, "metrics")));
  return aggregateMetrics([...snapshots.map((s) => s.snapshot), await supervisor.snapshot()]);
}

beforeAll(async () => {
  const url = new URL("./fixtures/metrics-thread.ts", import.meta.url);
  for (const workerData of [{ role: "state-owner" }, { role: "io-worker", worker: 1 }, { role: "io-worker", worker: 2 }]) {
    const worker = new Worker(url, { workerData });
    await once(worker, "message");
    threads.push(worker);
  }
  admin = await startAdminServer({
    host: "127.0.0.1",
    port: 0,
    live: async () => {
      await Promise.all(threads.map((w) => ask(w, { type: "ping" }, "pong")));
      return true;
    },
    ready: () => ({ ready: true, checks: { listening: true } }),
    metrics: metricsText,
  });
});

afterAll(async () => {
  await admin?.close();
  await Promise.all(threads.map((w) => w.terminate()));
});

function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("admin server over real threads", () => {
  it("/livez is 200 when every thread answers a ping", async () => {
    expect((await request(admin.port, "/livez")).status).toBe(200);
  });

  it("/metrics merges every thread and moves with traffic", async () => {
    const before = (await request(admin.port, "/metrics")).body;
    expect(value(before, 'pkgindex_commands_total{command="INDEX",result="OK"}')).toBe(0);
    expect(value(before, 'pkgindex_protocol_errors_total{code="PKGI_PROTO_BAD_NAME"}')).toBe(0);

    await ask(threads[0], { type: "traffic", n: 6 }, "done");
    await ask(threads[1], { type: "traffic", n: 2 }, "done");
    await ask(threads[2], { type: "traffic", n: 3 }, "done");
    supervisor.recordRestart("io-worker");

    const reply = await request(admin.port, "/metrics");
    expect(reply.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    const after = reply.body;
    expect(value(after, 'pkgindex_commands_total{command="INDEX",result="OK"}')).toBe(6);
    expect(value(after, 'pkgindex_protocol_errors_total{code="PKGI_PROTO_BAD_NAME"}')).toBe(5);
    expect(value(after, 'pkgindex_connections_open{worker="1"}')).toBe(1);
    expect(value(after, 'pkgindex_connections_open{worker="2"}')).toBe(1);
    expect(value(after, "pkgindex_state_batch_commands_count")).toBe(1);
    expect(value(after, "pkgindex_store_commits_total")).toBe(1);
    expect(value(after, "pkgindex_packages")).toBe(6);
    expect(value(after, 'pkgindex_thread_restarts_total{role="io-worker"}')).toBe(1);
    // Each thread reports its own isolate's heap: four threads, four series.
    const heaps = [
      'nodejs_heap_size_used_bytes{role="state-owner"}',
      'nodejs_heap_size_used_bytes{role="io-worker",worker="1"}',
      'nodejs_heap_size_used_bytes{role="io-worker",worker="2"}',
      'nodejs_heap_size_used_bytes{role="supervisor"}',
    ].map((series) => value(after, series));
    expect(heaps.filter((v) => v === undefined || !(v > 0))).toEqual([]);
    expect(value(after, "process_resident_memory_bytes")).toBeGreaterThan(heaps.reduce((a, b) => a! + b!, 0)!);
  });
});
