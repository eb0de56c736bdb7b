import { readFileSync } from "node:fs";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { CMD_INDEX, CMD_QUERY, PROTOCOL_ERRORS, REPLY_FAIL, REPLY_OK } from "@pkgindex/protocol";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import {
  aggregateMetrics,
  CommandStats,
  createFeedMetrics,
  createSupervisorMetrics,
  createThreadMetrics,
  METRIC,
  METRICS_CONTENT_TYPE,
  REJECT_MAX_CONNECTIONS,
  RUNTIME_METRIC,
  retireSnapshot,
  type MetricsSnapshot,
} from "../src/index.ts";
import { families, samples } from "./exposition.ts";

const indexOfFive = () => ({ packages: 5, edges: 4 });
const BAD_NAME = 'pkgindex_protocol_errors_total{code="PKGI_PROTO_BAD_NAME"}';

/** Sends a snapshot through a real MessagePort, as a thread would post it to the main thread. */
function postThrough(snapshot: MetricsSnapshot): Promise<MetricsSnapshot> {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    (port2 as MessagePort).once("message", (m: MetricsSnapshot) => {
      port1.close();
      resolve(m);
    });
    port1.postMessage(snapshot);
  });
}

function ioWorker(worker: number, open: number, accepted: number, badNames: number): { stats: CommandStats; metrics: ReturnType<typeof createThreadMetrics> } {
  const stats = new CommandStats();
  stats.connectionsOpen = open;
  stats.connectionsAccepted = accepted;
  stats.protocolErrors[PROTOCOL_ERRORS.BAD_NAME.code] = badNames;
  return { stats, metrics: createThreadMetrics({ role: "io-worker", stats, worker }) };
}

describe("aggregateMetrics: one view over all threads", () => {
  it("sums counters per label set and keeps per-worker series distinct", async () => {
    const a = ioWorker(1, 2, 5, 3);
    const b = ioWorker(2, 1, 4, 4);
    a.stats.connectionsRejected[REJECT_MAX_CONNECTIONS] = 1;
    b.stats.connectionsRejected[REJECT_MAX_CONNECTIONS] = 2;
    const snapshots = await Promise.all([a.metrics.snapshot(), b.metrics.snapshot()].map(async (s) => postThrough(await s)));
    const s = samples(await aggregateMetrics(snapshots));

    expect(s.get(BAD_NAME)).toBe(7);
    expect(s.get('pkgindex_connections_rejected_total{reason="max_connections"}')).toBe(3);
    expect(s.get('pkgindex_connections_open{worker="1"}')).toBe(2);
    expect(s.get('pkgindex_connections_open{worker="2"}')).toBe(1);
    expect(s.get('pkgindex_connections_accepted_total{worker="1"}')).toBe(5);
    expect(s.get('pkgindex_connections_accepted_total{worker="2"}')).toBe(4);
    expect(s.has('pkgindex_event_loop_busy_seconds_total{role="io-worker",worker="1"}')).toBe(true);
    expect(s.has('pkgindex_event_loop_busy_seconds_total{role="io-worker",worker="2"}')).toBe(true);
    expect(s.has('nodejs_heap_size_used_bytes{role="io-worker",worker="1"}')).toBe(true);
    expect(s.has('nodejs_heap_size_used_bytes{role="io-worker",worker="2"}')).toBe(true);
  });

  it("counts QUERYs answered by I/O workers from the read view with the state owner's commands", async () => {
    const owner = new CommandStats();
    owner.results[CMD_QUERY * 3 + REPLY_OK] = 2;
    owner.results[CMD_INDEX * 3 + REPLY_OK] = 1;
    const a = ioWorker(1, 0, 0, 0);
    const b = ioWorker(2, 0, 0, 0);
    a.stats.results[CMD_QUERY * 3 + REPLY_OK] = 10;
    b.stats.results[CMD_QUERY * 3 + REPLY_OK] = 5;
    b.stats.results[CMD_QUERY * 3 + REPLY_FAIL] = 3;
    const snapshots = await Promise.all([
      createThreadMetrics({ role: "state-owner", stats: owner, indexSize: indexOfFive }).snapshot(),
      a.metrics.snapshot(),
      b.metrics.snapshot(),
    ]);
    const s = samples(await aggregateMetrics(snapshots));
    expect(s.get('pkgindex_commands_total{command="QUERY",result="OK"}')).toBe(17);
    expect(s.get('pkgindex_commands_total{command="QUERY",result="FAIL"}')).toBe(3);
    expect(s.get('pkgindex_commands_total{command="INDEX",result="OK"}')).toBe(1);
  });

  it("adds histograms bucket by bucket and takes the index size from its one owner", async () => {
    const x = new CommandStats();
    const y = new CommandStats();
    x.recordBatch(1, 0.00001);
    y.recordBatch(3, 0.002);
    y.results[CMD_INDEX * 3 + REPLY_OK] = 9;
    const snapshots = await Promise.all([
      createThreadMetrics({ role: "state-owner", stats: x, indexSize: indexOfFive }).snapshot(),
      createThreadMetrics({ role: "state-owner", stats: y, indexSize: indexOfFive }).snapshot(),
    ]);
    const s = samples(await aggregateMetrics(snapshots));
    expect(s.get('pkgindex_state_batch_commands_bucket{le="1"}')).toBe(1);
    expect(s.get('pkgindex_state_batch_commands_bucket{le="4"}')).toBe(2);
    expect(s.get('pkgindex_state_batch_commands_bucket{le="+Inf"}')).toBe(2);
    expect(s.get("pkgindex_state_batch_commands_sum")).toBe(4);
    expect(s.get("pkgindex_state_batch_commands_count")).toBe(2);
    expect(s.get('pkgindex_state_apply_seconds_bucket{le="0.00001"}')).toBe(1);
    expect(s.get('pkgindex_commands_total{command="INDEX",result="OK"}')).toBe(9);
    // "first", not "sum": the index has one owner.
    expect(s.get("pkgindex_packages")).toBe(5);
    expect(s.get("pkgindex_edges")).toBe(4);
  });

  it("the exposition of a worker-mode process (its change feed on) names every documented metric", async () => {
    const owner = new CommandStats();
    const snapshots = await Promise.all([
      createThreadMetrics({ role: "state-owner", stats: owner, indexSize: () => ({ packages: 0, edges: 0 }), durable: true }).snapshot(),
      ioWorker(1, 0, 0, 0).metrics.snapshot(),
      ioWorker(2, 0, 0, 0).metrics.snapshot(),
      createSupervisorMetrics({ build: { version: "1", revision: "r" }, supervising: true }).snapshot(),
      createFeedMetrics(() => ({ streams: 0, cutOff: 0, oldestRevision: 1 })).snapshot(),
    ]);
    const text = await aggregateMetrics(snapshots);
    const types = families(text);
    // The one test-hooks-only family aside.
    const documented: string[] = [...Object.values(METRIC), ...Object.values(RUNTIME_METRIC)].filter((n) => n !== METRIC.connectionObjects);
    expect(documented.filter((name) => !types.has(name))).toEqual([]);
    expect([...types.keys()].filter((name) => !documented.includes(name))).toEqual([]);
    expect([...types].filter(([name, type]) => type === "counter" && !name.endsWith("_total"))).toEqual([]);
    expect(types.get(METRIC.applySeconds)).toBe("histogram");
    expect(METRIC.applySeconds.endsWith("_seconds")).toBe(true);
    expect(METRICS_CONTENT_TYPE).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
  });

  it("docs/OPERATIONS.md lists every metric", () => {
    const doc = readFileSync(new URL("../../../docs/OPERATIONS.md", import.meta.url), "utf8");
    const documented: string[] = [...Object.values(METRIC), ...Object.values(RUNTIME_METRIC)];
    expect(documented.filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });
});

describe("retireSnapshot: a replaced thread's counters stay in the sums", () => {
  it("keeps counters and histograms of the dead thread, drops its gauges", async () => {
    const dead = ioWorker(2, 3, 10, 5);
    const carry = await retireSnapshot(undefined, await dead.metrics.snapshot());
    const survivor = ioWorker(1, 1, 1, 1);
    const replacement = ioWorker(2, 1, 2, 2);
    const s = samples(
      await aggregateMetrics([await survivor.metrics.snapshot(), await replacement.metrics.snapshot(), carry]),
    );
    expect(s.get(BAD_NAME)).toBe(1 + 2 + 5);
    expect(s.get('pkgindex_connections_accepted_total{worker="2"}')).toBe(12);
    expect(s.get('pkgindex_connections_open{worker="2"}')).toBe(1);
    expect(s.has('nodejs_heap_size_used_bytes{role="io-worker",worker="2"}')).toBe(true);
    expect(carry.some((m) => m.name === METRIC.connectionsOpen || m.name === RUNTIME_METRIC.heapUsed)).toBe(false);
  });

  it("folds successive deaths into one carry", async () => {
    let carry = await retireSnapshot(undefined, await ioWorker(1, 0, 1, 1).metrics.snapshot());
    carry = await retireSnapshot(carry, await ioWorker(1, 0, 2, 2).metrics.snapshot());
    const s = samples(await aggregateMetrics([carry]));
    expect(s.get(BAD_NAME)).toBe(3);
    expect(s.get('pkgindex_connections_accepted_total{worker="1"}')).toBe(3);
  });
});
