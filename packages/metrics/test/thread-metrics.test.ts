import { PROTOCOL_ERRORS, REPLY_FAIL, REPLY_OK, CMD_INDEX, CMD_QUERY } from "@pkgindex/protocol";
import { describe, expect, it } from "vitest";
import {
  CommandStats,
  createSupervisorMetrics,
  createThreadMetrics,
  METRIC,
  REJECT_IDLE_TIMEOUT,
} from "../src/index.ts";
import { families, samples } from "./exposition.ts";

async function familyNames(m: { registry: { metrics(): Promise<string> } }): Promise<string[]> {
  return [...families(await m.registry.metrics()).keys()].toSorted();
}

async function scrape(metrics: { registry: { metrics(): Promise<string> } }): Promise<Map<string, number>> {
  return samples(await metrics.registry.metrics());
}

describe("createThreadMetrics: the registry reads CommandStats at scrape time", () => {
  it("state owner: commands, batches, commits and index size follow the stats", async () => {
    const stats = new CommandStats();
    const size = { packages: 0, edges: 0 };
    const metrics = createThreadMetrics({ role: "state-owner", stats, indexSize: () => size });

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

    const after = await scrape(metrics);
    expect(after.get('pkgindex_commands_total{command="INDEX",result="OK"}')).toBe(3);
    expect(after.get('pkgindex_commands_total{command="QUERY",result="FAIL"}')).toBe(2);
    expect(after.get('pkgindex_commands_total{command="REMOVE",result="OK"}')).toBe(0);
    expect(after.get("pkgindex_store_commits_total")).toBe(1);
    expect(after.get("pkgindex_packages")).toBe(3);
    expect(after.get("pkgindex_edges")).toBe(2);
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
    const metrics = createThreadMetrics({ role: "state-owner", stats, storeWritable: () => writable });
    expect((await scrape(metrics)).get("pkgindex_store_writable")).toBe(1);
    expect((await scrape(metrics)).get("pkgindex_store_full_commits_total")).toBe(0);
    writable = false;
    stats.fullCommits = 2;
    expect((await scrape(metrics)).get("pkgindex_store_writable")).toBe(0);
    expect((await scrape(metrics)).get("pkgindex_store_full_commits_total")).toBe(2);
    const single = createThreadMetrics({ role: "single", stats: new CommandStats() });
    expect((await scrape(single)).get("pkgindex_store_writable")).toBe(1);
  });

  it("I/O worker: connections, rejections and protocol errors carry the right labels", async () => {
    const stats = new CommandStats();
    const metrics = createThreadMetrics({ role: "io-worker", stats, worker: 2 });
    stats.connectionsAccepted = 4;
    stats.connectionsOpen = 3;
    stats.connectionsRejected[REJECT_IDLE_TIMEOUT]++;
    stats.protocolErrors[PROTOCOL_ERRORS.BAD_NAME.code] += 7;

    const s = await scrape(metrics);
    expect(s.get('pkgindex_connections_open{worker="2"}')).toBe(3);
    expect(s.get('pkgindex_connections_accepted_total{worker="2"}')).toBe(4);
    expect(s.get('pkgindex_connections_rejected_total{reason="idle_timeout"}')).toBe(1);
    expect(s.get('pkgindex_connections_rejected_total{reason="max_connections"}')).toBe(0);
    expect(s.get('pkgindex_protocol_errors_total{code="PKGI_PROTO_BAD_NAME"}')).toBe(7);
    expect(s.get('pkgindex_protocol_errors_total{code="PKGI_PROTO_EMPTY_LINE"}')).toBe(0);

    stats.connectionsOpen = 1;
    expect((await scrape(metrics)).get('pkgindex_connections_open{worker="2"}')).toBe(1);
  });

  it("each role exposes only its own families", async () => {
    const io = await familyNames(createThreadMetrics({ role: "io-worker", stats: new CommandStats(), worker: 1 }));
    const owner = await familyNames(createThreadMetrics({ role: "state-owner", stats: new CommandStats() }));
    const single = await familyNames(createThreadMetrics({ role: "single", stats: new CommandStats() }));
    const supervisor = await familyNames(createSupervisorMetrics());

    expect(io).toEqual(
      [
        METRIC.commands,
        METRIC.connectionsOpen,
        METRIC.connectionsAccepted,
        METRIC.connectionsRejected,
        METRIC.protocolErrors,
        METRIC.denied,
        METRIC.eventLoopUtilization,
        METRIC.threadCpuSeconds,
      ].toSorted(),
    );
    expect(owner).toEqual(
      [
        METRIC.commands,
        METRIC.batchCommands,
        METRIC.applySeconds,
        METRIC.storeCommits,
        METRIC.storeWritable,
        METRIC.storeFullCommits,
        METRIC.packages,
        METRIC.edges,
        METRIC.eventLoopUtilization,
        METRIC.threadCpuSeconds,
      ].toSorted(),
    );
    expect(single).toEqual([...new Set([...io, ...owner])].toSorted());
    expect(supervisor).toEqual([METRIC.threadRestarts, METRIC.eventLoopUtilization].toSorted());
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
    expect(s.has('pkgindex_event_loop_utilization{role="single",worker="0"}')).toBe(true);
  });

  it("an I/O worker's metrics need its index", () => {
    expect(() => createThreadMetrics({ role: "io-worker", stats: new CommandStats() })).toThrow(/worker index/);
  });

  it("event-loop utilization is this thread's busy share since the previous scrape", async () => {
    const metrics = createThreadMetrics({ role: "state-owner", stats: new CommandStats() });
    const key = 'pkgindex_event_loop_utilization{role="state-owner"}';
    await scrape(metrics);
    const until = performance.now() + 30;
    while (performance.now() < until) {
      // Keep the event loop busy.
    }
    const busy = (await scrape(metrics)).get(key)!;
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual(1);
  });

  it("supervisor: restarts by role", async () => {
    const metrics = createSupervisorMetrics();
    expect((await scrape(metrics)).get('pkgindex_thread_restarts_total{role="io-worker"}')).toBe(0);
    metrics.recordRestart("io-worker");
    metrics.recordRestart("io-worker");
    expect((await scrape(metrics)).get('pkgindex_thread_restarts_total{role="io-worker"}')).toBe(2);
  });
});
