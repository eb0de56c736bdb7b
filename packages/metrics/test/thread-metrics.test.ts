import { PROTOCOL_ERRORS, REPLY_FAIL, REPLY_OK, CMD_INDEX, CMD_QUERY } from "@pkgindex/protocol";
import { describe, expect, it } from "vitest";
import {
  aggregateMetrics,
  CommandStats,
  createSupervisorMetrics,
  createThreadMetrics,
  METRIC,
  REJECT_IDLE_TIMEOUT,
  REJECT_PENDING_CAP,
  RUNTIME_METRIC,
  type ThreadMetrics,
} from "../src/index.ts";
import { families, samples } from "./exposition.ts";

const BUILD = { version: "1.2.3", revision: "abc" };

async function familyNames(m: ThreadMetrics): Promise<string[]> {
  return [...families(await aggregateMetrics([m.snapshot()])).keys()].toSorted();
}

async function scrape(metrics: ThreadMetrics): Promise<Map<string, number>> {
  return samples(await aggregateMetrics([metrics.snapshot()]));
}

const THREAD_RUNTIME = [
  RUNTIME_METRIC.heapUsed,
  RUNTIME_METRIC.heapTotal,
  RUNTIME_METRIC.externalMemory,
  RUNTIME_METRIC.gcSeconds,
  RUNTIME_METRIC.lagP50,
  RUNTIME_METRIC.lagP99,
  RUNTIME_METRIC.lagMax,
  METRIC.eventLoopBusySeconds,
  METRIC.threadCpuSeconds,
];
const PROCESS = [
  RUNTIME_METRIC.residentMemory,
  RUNTIME_METRIC.startTime,
  RUNTIME_METRIC.cpuUser,
  RUNTIME_METRIC.cpuSystem,
  RUNTIME_METRIC.cpuTotal,
  RUNTIME_METRIC.openFds,
  RUNTIME_METRIC.maxFds,
  METRIC.buildInfo,
];

describe("createThreadMetrics: the registry reads CommandStats at scrape time", () => {
  it("state owner: commands, batches, commits and index size follow the stats", async () => {
    const stats = new CommandStats();
    const size = { packages: 0, edges: 0, revision: 0 };
    const metrics = createThreadMetrics({ role: "state-owner", stats, indexSize: () => size, durable: true });

    const before = await scrape(metrics);
    expect(before.get('pkgindex_commands_total{command="INDEX",result="OK"}')).toBe(0);
    expect(before.get("pkgindex_store_commits_total")).toBe(0);
    expect(before.get("pkgindex_state_batch_commands_count")).toBe(0);

    stats.results[CMD_INDEX * 3 + REPLY_OK] += 3;
    stats.results[CMD_QUERY * 3 + REPLY_FAIL] += 2;
    stats.recordBatch(5, 0.0003);
    stats.commits = 1;
    size.packages = 3;
    size.edges = 2;
    size.revision = 7;

    const after = await scrape(metrics);
    expect(after.get('pkgindex_commands_total{command="INDEX",result="OK"}')).toBe(3);
    expect(after.get('pkgindex_commands_total{command="QUERY",result="FAIL"}')).toBe(2);
    expect(after.get('pkgindex_commands_total{command="REMOVE",result="OK"}')).toBe(0);
    expect(after.get("pkgindex_store_commits_total")).toBe(1);
    expect(after.get("pkgindex_packages")).toBe(3);
    expect(after.get("pkgindex_edges")).toBe(2);
    expect(after.get("pkgindex_revision")).toBe(7);
    expect(after.get('pkgindex_state_batch_commands_bucket{le="4"}')).toBe(0);
    expect(after.get('pkgindex_state_batch_commands_bucket{le="8"}')).toBe(1);
    expect(after.get('pkgindex_state_batch_commands_bucket{le="+Inf"}')).toBe(1);
    expect(after.get("pkgindex_state_batch_commands_sum")).toBe(5);
    expect(after.get("pkgindex_state_batch_commands_count")).toBe(1);
    expect(after.get('pkgindex_state_apply_seconds_bucket{le="0.0001"}')).toBe(0);
    expect(after.get('pkgindex_state_apply_seconds_bucket{le="0.00025"}')).toBe(0);
    expect(after.get('pkgindex_state_apply_seconds_bucket{le="0.0005"}')).toBe(1);
    expect(after.get("pkgindex_state_apply_seconds_sum")).toBeCloseTo(0.0003, 12);
    expect(after.get("pkgindex_state_apply_seconds_count")).toBe(1);
  });

  it("state owner: pkgindex_store_writable follows the store (1 by default), pkgindex_store_full_commits_total the refusals", async () => {
    let writable = true;
    const stats = new CommandStats();
    const metrics = createThreadMetrics({ role: "state-owner", stats, durable: true, storeWritable: () => writable });
    expect((await scrape(metrics)).get("pkgindex_store_writable")).toBe(1);
    expect((await scrape(metrics)).get("pkgindex_store_full_commits_total")).toBe(0);
    writable = false;
    stats.fullCommits = 2;
    expect((await scrape(metrics)).get("pkgindex_store_writable")).toBe(0);
    expect((await scrape(metrics)).get("pkgindex_store_full_commits_total")).toBe(2);
    const single = createThreadMetrics({ role: "single", stats: new CommandStats(), durable: true });
    expect((await scrape(single)).get("pkgindex_store_writable")).toBe(1);
  });

  it("I/O worker: connections, rejections and protocol errors carry the right labels", async () => {
    const stats = new CommandStats();
    const metrics = createThreadMetrics({ role: "io-worker", stats, worker: 2, rejectReasons: [REJECT_PENDING_CAP, REJECT_IDLE_TIMEOUT] });
    stats.connectionsAccepted = 4;
    stats.connectionsOpen = 3;
    stats.connectionsRejected[REJECT_IDLE_TIMEOUT]++;
    stats.protocolErrors[PROTOCOL_ERRORS.BAD_NAME.code] += 7;

    const s = await scrape(metrics);
    expect(s.get('pkgindex_connections_open{worker="2"}')).toBe(3);
    expect(s.get('pkgindex_connections_accepted_total{worker="2"}')).toBe(4);
    expect(s.get('pkgindex_connections_rejected_total{reason="idle_timeout"}')).toBe(1);
    expect(s.get('pkgindex_connections_rejected_total{reason="pending_cap"}')).toBe(0);
    // --max-connections is off in this configuration: no series for it.
    expect(s.has('pkgindex_connections_rejected_total{reason="max_connections"}')).toBe(false);
    expect(s.get('pkgindex_protocol_errors_total{code="PKGI_PROTO_BAD_NAME"}')).toBe(7);
    expect(s.get('pkgindex_protocol_errors_total{code="PKGI_PROTO_EMPTY_LINE"}')).toBe(0);

    stats.connectionsOpen = 1;
    expect((await scrape(metrics)).get('pkgindex_connections_open{worker="2"}')).toBe(1);
  });

  it("each role exposes only its own families", async () => {
    const io = await familyNames(createThreadMetrics({ role: "io-worker", stats: new CommandStats(), worker: 1 }));
    const owner = await familyNames(createThreadMetrics({ role: "state-owner", stats: new CommandStats(), durable: true }));
    const single = await familyNames(createThreadMetrics({ role: "single", stats: new CommandStats(), durable: true }));
    const supervisor = await familyNames(createSupervisorMetrics({ build: BUILD, supervising: true }));
    const singleMain = await familyNames(createSupervisorMetrics({ build: BUILD, supervising: false }));

    const connections = [
      METRIC.connectionsOpen,
      METRIC.connectionsTracked,
      METRIC.connectionsAccepted,
      METRIC.connectionsRejected,
      METRIC.protocolErrors,
      METRIC.denied,
      METRIC.requestSeconds,
    ];
    const store = [METRIC.storeCommits, METRIC.storeWritable, METRIC.storeFullCommits];
    // An I/O worker counts the QUERYs it answers from the read view.
    expect(io).toEqual([METRIC.commands, ...connections, ...THREAD_RUNTIME].toSorted());
    expect(owner).toEqual(
      [METRIC.commands, METRIC.batchCommands, METRIC.applySeconds, ...store, METRIC.packages, METRIC.edges, METRIC.revision, ...THREAD_RUNTIME].toSorted(),
    );
    // The single thread applies line by line: no batches.
    expect(single).toEqual([...connections, METRIC.commands, ...store, METRIC.packages, METRIC.edges, METRIC.revision, ...THREAD_RUNTIME].toSorted());
    expect(supervisor).toEqual([...PROCESS, METRIC.threadRestarts, ...THREAD_RUNTIME].toSorted());
    // --workers 0: the main thread is the single thread; nothing restarts.
    expect(singleMain).toEqual(PROCESS.toSorted());
  });

  it("no series that can never move: ERROR only for writes to a durable store, no store series without one, no reasons for limits that are off", async () => {
    const owner = await scrape(createThreadMetrics({ role: "state-owner", stats: new CommandStats(), durable: false }));
    expect([...owner.keys()].filter((k) => k.includes('result="ERROR"'))).toEqual([]);
    expect([...owner.keys()].filter((k) => k.startsWith("pkgindex_store_"))).toEqual([]);
    const durable = await scrape(createThreadMetrics({ role: "state-owner", stats: new CommandStats(), durable: true }));
    // A full store answers writes ERROR; a QUERY is never ERROR.
    expect([...durable.keys()].filter((k) => k.includes('result="ERROR"')).toSorted()).toEqual([
      'pkgindex_commands_total{command="INDEX",result="ERROR"}',
      'pkgindex_commands_total{command="REMOVE",result="ERROR"}',
    ]);
    // An I/O worker answers QUERYs and the INDEX/REMOVE that change nothing (OK or FAIL), never ERROR, durable store or not.
    const reads = await scrape(createThreadMetrics({ role: "io-worker", stats: new CommandStats(), worker: 1, durable: true }));
    expect([...reads.keys()].filter((k) => k.startsWith("pkgindex_commands_total"))).toEqual([
      'pkgindex_commands_total{command="INDEX",result="OK"}',
      'pkgindex_commands_total{command="INDEX",result="FAIL"}',
      'pkgindex_commands_total{command="REMOVE",result="OK"}',
      'pkgindex_commands_total{command="REMOVE",result="FAIL"}',
      'pkgindex_commands_total{command="QUERY",result="OK"}',
      'pkgindex_commands_total{command="QUERY",result="FAIL"}',
    ]);
    const io = await scrape(createThreadMetrics({ role: "io-worker", stats: new CommandStats(), worker: 1, rejectReasons: [REJECT_PENDING_CAP] }));
    expect([...io.keys()].filter((k) => k.startsWith("pkgindex_connections_rejected_total"))).toEqual([
      'pkgindex_connections_rejected_total{reason="pending_cap"}',
    ]);
  });

  it("request durations land in their buckets and sum", async () => {
    const stats = new CommandStats();
    stats.recordRequest(0.000004);
    stats.recordRequest(0.003);
    stats.recordRequest(20);
    const s = await scrape(createThreadMetrics({ role: "single", stats }));
    expect(s.get('pkgindex_request_duration_seconds_bucket{le="0.00001"}')).toBe(1);
    expect(s.get('pkgindex_request_duration_seconds_bucket{le="0.0025"}')).toBe(1);
    expect(s.get('pkgindex_request_duration_seconds_bucket{le="0.005"}')).toBe(2);
    expect(s.get('pkgindex_request_duration_seconds_bucket{le="10"}')).toBe(2);
    expect(s.get('pkgindex_request_duration_seconds_bucket{le="+Inf"}')).toBe(3);
    expect(s.get("pkgindex_request_duration_seconds_count")).toBe(3);
    expect(s.get("pkgindex_request_duration_seconds_sum")).toBeCloseTo(20.003004, 9);
  });

  it("runtime families describe the calling thread, labelled by role and worker", async () => {
    const s = await scrape(createThreadMetrics({ role: "io-worker", stats: new CommandStats(), worker: 3 }));
    expect(s.get('nodejs_heap_size_used_bytes{role="io-worker",worker="3"}')).toBeGreaterThan(0);
    expect(s.get('nodejs_heap_size_total_bytes{role="io-worker",worker="3"}')).toBeGreaterThanOrEqual(
      s.get('nodejs_heap_size_used_bytes{role="io-worker",worker="3"}')!,
    );
    expect(s.has('nodejs_gc_duration_seconds_count{role="io-worker",worker="3",kind="major"}')).toBe(true);
    expect(s.has('nodejs_eventloop_lag_p99_seconds{role="io-worker",worker="3"}')).toBe(true);
  });

  it("process families: RSS, descriptors, start time and the build", async () => {
    const s = await scrape(createSupervisorMetrics({ build: BUILD, supervising: false }));
    expect(s.get("process_resident_memory_bytes")).toBeGreaterThan(10 * 1024 * 1024);
    expect(s.get("process_open_fds")).toBeGreaterThan(2);
    expect(s.get("process_max_fds")).toBeGreaterThanOrEqual(s.get("process_open_fds")!);
    const start = s.get("process_start_time_seconds")!;
    expect(Math.abs(start - (Date.now() / 1000 - process.uptime()))).toBeLessThan(2);
    expect(s.get(`pkgindex_build_info{version="1.2.3",revision="abc",node="${process.versions.node}"}`)).toBe(1);
  });

  it("counts the calling thread's own CPU time, never going down", async () => {
    const m = createThreadMetrics({ role: "state-owner", stats: new CommandStats() });
    const first = (await scrape(m)).get('pkgindex_thread_cpu_seconds_total{role="state-owner"}')!;
    let spin = 0;
    const until = process.threadCpuUsage().user + 20_000;
    while (process.threadCpuUsage().user < until) spin++;
    const second = (await scrape(m)).get('pkgindex_thread_cpu_seconds_total{role="state-owner"}')!;
    expect(spin).toBeGreaterThan(0);
    expect(first).toBeGreaterThan(0);
    expect(second - first).toBeGreaterThanOrEqual(0.02);
  });

  it("the single thread is worker 0", async () => {
    const stats = new CommandStats();
    stats.connectionsOpen = 2;
    const s = await scrape(createThreadMetrics({ role: "single", stats }));
    expect(s.get('pkgindex_connections_open{worker="0"}')).toBe(2);
    expect(s.has('pkgindex_event_loop_busy_seconds_total{role="single",worker="0"}')).toBe(true);
  });

  it("an I/O worker's metrics need its index", () => {
    expect(() => createThreadMetrics({ role: "io-worker", stats: new CommandStats() })).toThrow(/worker index/);
  });

  it("event-loop busy time is a counter: a busy stretch adds at least its length, and a second scraper changes nothing", async () => {
    const metrics = createThreadMetrics({ role: "state-owner", stats: new CommandStats() });
    const key = 'pkgindex_event_loop_busy_seconds_total{role="state-owner"}';
    // Busy time is counted when the loop iteration ends: let this one end first.
    await new Promise((resolve) => setImmediate(resolve));
    const first = (await scrape(metrics)).get(key)!;
    await scrape(metrics);
    const until = performance.now() + 30;
    while (performance.now() < until) {
      // Keep the event loop busy.
    }
    await new Promise((resolve) => setImmediate(resolve));
    const second = (await scrape(metrics)).get(key)!;
    expect(second - first).toBeGreaterThanOrEqual(0.03);
  });

  it("supervisor: restarts by role", async () => {
    const metrics = createSupervisorMetrics({ build: BUILD, supervising: true });
    expect((await scrape(metrics)).get('pkgindex_thread_restarts_total{role="io-worker"}')).toBe(0);
    metrics.recordRestart("io-worker");
    metrics.recordRestart("io-worker");
    expect((await scrape(metrics)).get('pkgindex_thread_restarts_total{role="io-worker"}')).toBe(2);
  });
});
