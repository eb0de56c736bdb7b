import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { Worker } from "node:worker_threads";
import os from "node:os";
import path from "node:path";
import { freePort } from "@pkgindex/server-process";
import { FeedSubscribers } from "./feed-subscribers.ts";
import type { SinkTask } from "./feed-sink.ts";
import type { WriterResult, WriterTask } from "./feed-writer.ts";
import { populate } from "./populate.ts";
import { markdownTable } from "./report.ts";
import { ownerCpu } from "./format.ts";
import type { LoadOptions, LoadPool, LoadResult } from "./run.ts";
import { startPkgindex } from "./server.ts";
import { median, newHistogram, summarize } from "./stats.ts";
import { buildWorkload, type DataSource, loadData, type MixName } from "./workload.ts";

export interface FeedLatencyRow {
  workers: number;
  subscribers: number;
  changes: number;
  changesPerSecond: number;
  /** Reply received (the commit's acknowledgement) to the change's arrival at a subscriber, µs, over every subscriber. */
  ackToDelivery: { p50: number; p99: number };
  /** Request sent to arrival, µs. */
  sendToDelivery: { p50: number; p99: number };
}

export interface FeedThroughputRow {
  workers: number;
  mix: MixName;
  subscribers: number;
  /** rps per round. */
  rounds: number[];
  /** The server process's CPU per request (all threads), µs, per round. */
  cpuUs: number[];
  /** The state owner's (or the single thread's) CPU per request, µs, per round. */
  ownerUs: number[];
}

/** `streams` counting feed streams on their own thread (feed-sink.ts); stop() says how many changes they received. */
async function openSink(port: number, streams: number): Promise<{ stop(): Promise<number> }> {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const worker = new Worker(new URL(`./feed-sink${ext}`, import.meta.url), { workerData: { port, streams } satisfies SinkTask });
  await new Promise<void>((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
  });
  return {
    stop: () =>
      new Promise<number>((resolve) => {
        worker.once("message", (m: { changes: number }) => {
          resolve(m.changes);
          void worker.terminate();
        });
        worker.postMessage("stop");
      }),
  };
}

/** Runs the writer thread (feed-writer.ts) to completion. */
function pacedWriter(port: number, changes: number, rate: number): Promise<WriterResult> {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const worker = new Worker(new URL(`./feed-writer${ext}`, import.meta.url), { workerData: { port, changes, rate } satisfies WriterTask });
  return new Promise((resolve, reject) => {
    worker.once("message", (result: WriterResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once("error", reject);
  });
}

/**
 * Commit-to-delivery latency: one writer at a fixed rate, `subscribers`
 * continuous streams in this process; for each change, the time from the
 * writer receiving its OK (sent only after the commit) to each stream
 * receiving it. The streams run in the bench process, on the same two
 * cores as the server: with 1,000 of them the bench's own parsing is part
 * of what is measured.
 */
export async function runFeedLatency(o: { workers: number; subscribers: number; changes: number; rate: number; store: string; log: (row: FeedLatencyRow) => void }): Promise<FeedLatencyRow> {
  const feedPort = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-feed-"));
  const server = await startPkgindex(["--admin-port", "0", "--workers", String(o.workers), "--store", o.store, "--feed-host", "127.0.0.1", "--feed-port", String(feedPort), "--data-dir", dataDir]);
  try {
    const subs = await FeedSubscribers.open(feedPort, o.subscribers, o.changes, true);
    const writer = await pacedWriter(server.port, o.changes, o.rate);
    if (!(await subs.until(o.changes, 30_000))) throw new Error("not every subscriber received every change");
    subs.close();
    const ack = newHistogram();
    const send = newHistogram();
    for (const arrivals of subs.arrivals) {
      for (let k = 0; k < o.changes; k++) {
        // A change can reach a stream before its reply reaches the writer: that counts as 0.
        ack.recordValue(Math.max(1, Math.round((arrivals[k] - writer.acked[k]) * 1000)));
        send.recordValue(Math.max(1, Math.round((arrivals[k] - writer.sent[k]) * 1000)));
      }
    }
    const a = summarize(ack);
    const s = summarize(send);
    const row: FeedLatencyRow = {
      workers: o.workers,
      subscribers: o.subscribers,
      changes: o.changes,
      changesPerSecond: o.changes / writer.seconds,
      ackToDelivery: { p50: a.p50, p99: a.p99 },
      sendToDelivery: { p50: s.p50, p99: s.p99 },
    };
    o.log(row);
    return row;
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Changes per second the feed carries: writers churn INDEX/REMOVE as fast
 * as the server acknowledges (8 connections, 16 pipelined each), one
 * stream counts what arrives; the rate is the stream's.
 */
export async function runFeedRate(o: { workers: number; store: string; seconds: number }): Promise<{ workers: number; committedPerSecond: number; deliveredPerSecond: number }> {
  const feedPort = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-feed-"));
  const server = await startPkgindex(["--admin-port", "0", "--workers", String(o.workers), "--store", o.store, "--feed-host", "127.0.0.1", "--feed-port", String(feedPort), "--data-dir", dataDir]);
  try {
    const subs = await FeedSubscribers.open(feedPort, 1, 0, false);
    const until = performance.now() + o.seconds * 1000;
    let committed = 0;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      const socket = net.connect({ host: "127.0.0.1", port: server.port });
      await new Promise<void>((resolve) => socket.once("connect", resolve));
      let round = 0;
      while (performance.now() < until) {
        const lines: string[] = [];
        for (let j = 0; j < 16; j++) lines.push(round % 2 === 0 ? `INDEX|rate-${w}-${j}|` : `REMOVE|rate-${w}-${j}|`);
        round++;
        const replies = await new Promise<number>((resolve) => {
          let got = 0;
          const onData = (chunk: Buffer): void => {
            for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) got++;
            if (got >= 16) {
              socket.off("data", onData);
              resolve(got);
            }
          };
          socket.on("data", onData);
          socket.write(`${lines.join("\n")}\n`);
        });
        committed += replies;
      }
      socket.destroy();
    });
    const t0 = performance.now();
    await Promise.all(writers);
    await subs.until(committed, 30_000);
    const seconds = (performance.now() - t0) / 1000;
    const delivered = subs.counts[0];
    subs.close();
    return { workers: o.workers, committedPerSecond: committed / seconds, deliveredPerSecond: delivered / seconds };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Command throughput with and without `subscribers` streams attached: the
 * `mix` over `connections` connections (write-heavy by default: 70% of its
 * requests are changes every stream receives), rounds interleaved (none,
 * attached, none, …). The streams only count what they receive, on a
 * thread of their own (feed-sink.ts).
 */
export async function runFeedThroughput(
  pool: LoadPool,
  o: { workers: number; subscribers: number; connections: number; depth: number; durationMs: number; rounds: number; store: string; mix: MixName; log: (line: string) => void },
): Promise<FeedThroughputRow[]> {
  const source: DataSource = { packages: 10_000, dataSeed: 1 };
  const workload = buildWorkload(loadData(source), 0.5);
  const feedPort = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-feed-"));
  const server = await startPkgindex(["--admin-port", "0", "--workers", String(o.workers), "--store", o.store, "--feed-host", "127.0.0.1", "--feed-port", String(feedPort), "--data-dir", dataDir]);
  const without: FeedThroughputRow = { workers: o.workers, mix: o.mix, subscribers: 0, rounds: [], cpuUs: [], ownerUs: [] };
  const withSubs: FeedThroughputRow = { workers: o.workers, mix: o.mix, subscribers: o.subscribers, rounds: [], cpuUs: [], ownerUs: [] };
  const record = (row: FeedThroughputRow, r: LoadResult): void => {
    row.rounds.push(r.rps);
    row.cpuUs.push(r.server?.cpuUsPerRequest ?? Number.NaN);
    row.ownerUs.push(ownerCpu(r));
  };
  try {
    await populate("127.0.0.1", server.port, workload);
    const load: LoadOptions = { host: "127.0.0.1", port: server.port, connections: o.connections, depth: o.depth, mix: o.mix, malformed: 0, seed: 1, source, indexedShare: 0.5, durationMs: o.durationMs, warmupMs: 500, pid: server.child.pid };
    for (let r = 0; r < o.rounds; r++) {
      const plain = await pool.run(load);
      record(without, plain);
      const sink = await openSink(feedPort, o.subscribers);
      const attached = await pool.run(load);
      const received = await sink.stop();
      record(withSubs, attached);
      o.log(`round ${r + 1}: ${plain.rps.toFixed(0)} rps without, ${attached.rps.toFixed(0)} rps with ${o.subscribers} streams (${received} changes delivered in all)`);
    }
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return [without, withSubs];
}

export function feedLatencyTable(rows: readonly FeedLatencyRow[]): string {
  return markdownTable(
    ["layout", "subscribers", "changes", "changes/s", "reply → delivery p50 (µs)", "p99 (µs)", "send → delivery p50 (µs)", "p99 (µs)"],
    rows.map((r) => [
      `w${r.workers}`,
      String(r.subscribers),
      String(r.changes),
      r.changesPerSecond.toFixed(0),
      String(r.ackToDelivery.p50),
      String(r.ackToDelivery.p99),
      String(r.sendToDelivery.p50),
      String(r.sendToDelivery.p99),
    ]),
    2,
  );
}

function spread(v: readonly number[], digits: number): string {
  return `${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)}`;
}

export function feedThroughputTable(rows: readonly FeedThroughputRow[]): string {
  return markdownTable(
    ["layout", "mix", "feed streams", "rps, median", "min–max", "ratio to none", "server CPU µs/req", "state owner µs/req", "min–max"],
    rows.map((r) => {
      const base = rows.find((b) => b.workers === r.workers && b.mix === r.mix && b.subscribers === 0)!;
      return [
        `w${r.workers}`,
        r.mix,
        String(r.subscribers),
        median(r.rounds).toFixed(0),
        spread(r.rounds, 0),
        (median(r.rounds) / median(base.rounds)).toFixed(2),
        median(r.cpuUs).toFixed(1),
        median(r.ownerUs).toFixed(2),
        spread(r.ownerUs, 2),
      ];
    }),
    3,
  );
}
