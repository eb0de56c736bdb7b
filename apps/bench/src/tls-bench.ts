import tls from "node:tls";
import { makeTestPki } from "@pkgindex/server-process";
import { clientTlsOptions } from "@pkgindex/tls";
import { orDash } from "./format.ts";
import { populate } from "./populate.ts";
import { cpuDelta, cpuSnapshot } from "./proc.ts";
import { markdownTable } from "./report.ts";
import type { LoadOptions, LoadPool } from "./run.ts";
import { startPkgindex } from "./server.ts";
import { median } from "./stats.ts";
import { buildWorkload, type DataSource, loadData } from "./workload.ts";

export interface TlsRound {
  workers: number;
  /** New connections per second, each a full handshake (no resumption) and one QUERY. */
  handshakesPerSec: number;
  /** Server CPU (all threads) per such connection. */
  cpuUsPerHandshake: number;
  /** Steady rps and server CPU per request over TLS, 100 connections, mixed, by depth. */
  steady: { depth: number; rps: number; cpuUsPerRequest: number }[];
}

export interface TlsBenchOptions {
  modes: number[];
  rounds: number;
  durationMs: number;
  /** Concurrent connect-handshake-QUERY-close loops. */
  handshakeLoops: number;
  depths: number[];
  log: (record: object) => void;
}

/**
 * Opens connections in `loops` parallel loops for `durationMs`: TLS
 * connect, one QUERY, close, again. Each is a full handshake (no session is
 * offered back). Returns how many finished and the server's CPU meanwhile.
 */
async function handshakes(port: number, options: tls.ConnectionOptions, loops: number, durationMs: number, pid: number): Promise<{ count: number; seconds: number; cpuUs: number }> {
  const before = cpuSnapshot(pid);
  const t0 = performance.now();
  const until = t0 + durationMs;
  let count = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const s = tls.connect({ ...options, host: "127.0.0.1", port }, () => s.write("QUERY|tls-bench|\n"));
      s.once("data", () => {
        count++;
        s.destroy();
        resolve();
      });
      s.once("error", reject);
    });
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const after = cpuSnapshot(pid);
  return { count, seconds, cpuUs: before !== null && after !== null ? cpuDelta(before, after).totalUs : Number.NaN };
}

/**
 * TLS cost by layout: per round, every --workers mode in turn (interleaved),
 * a fresh pkgindex (memory store) with a TLS port and a throwaway
 * certificate: new-connection handshakes per second and steady rps over
 * TLS, with the server's CPU per handshake and per request. The handshake
 * clients run on this process's main thread, sharing the machine.
 */
export async function runTlsBench(pool: LoadPool, o: TlsBenchOptions): Promise<TlsRound[]> {
  const pki = makeTestPki();
  const source: DataSource = { packages: 10_000, dataSeed: 1 };
  const workload = buildWorkload(loadData(source), 0.5);
  const client = clientTlsOptions({ ca: pki.ca, servername: "localhost" });
  const rounds: TlsRound[] = [];
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const workers of o.modes) {
        const server = await startPkgindex(["--admin-port", "0", "--workers", String(workers), "--store", "memory", "--tls-port", "0", "--tls-cert", pki.serverCert, "--tls-key", pki.serverKey]);
        try {
          const pid = server.child.pid!;
          await populate("127.0.0.1", server.tlsPort, workload, undefined, client);
          const steady: TlsRound["steady"] = [];
          for (const depth of o.depths) {
            const load: LoadOptions = { host: "127.0.0.1", port: server.tlsPort, tls: client, connections: 100, depth, mix: "mixed", malformed: 0, seed: round, source, indexedShare: 0.5, durationMs: o.durationMs, warmupMs: 300, pid };
            const r = await pool.run(load);
            steady.push({ depth, rps: r.rps, cpuUsPerRequest: r.server?.cpuUsPerRequest ?? Number.NaN });
          }
          const h = await handshakes(server.tlsPort, client, o.handshakeLoops, o.durationMs, pid);
          const row: TlsRound = { workers, handshakesPerSec: h.count / h.seconds, cpuUsPerHandshake: h.cpuUs / h.count, steady };
          rounds.push(row);
          o.log({ round, ...row });
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    pki.remove();
  }
  return rounds;
}

const spread = (values: number[], digits: number) =>
  `${orDash(median(values), digits)} (${orDash(Math.min(...values), digits)}–${orDash(Math.max(...values), digits)})`;

/** Medians over rounds, with min–max, per layout. */
export function tlsTable(rounds: readonly TlsRound[]): string {
  const modes = [...new Set(rounds.map((r) => r.workers))];
  const depths = rounds[0]?.steady.map((s) => s.depth) ?? [];
  const header = ["layout", "handshakes/s", "srv µs/handshake", ...depths.flatMap((d) => [`rps d${d}`, `srv µs/req d${d}`])];
  const rows = modes.map((w) => {
    const mine = rounds.filter((r) => r.workers === w);
    return [
      `w${w}`,
      spread(mine.map((r) => r.handshakesPerSec), 0),
      spread(mine.map((r) => r.cpuUsPerHandshake), 0),
      ...depths.flatMap((d, i) => [spread(mine.map((r) => r.steady[i].rps), 0), spread(mine.map((r) => r.steady[i].cpuUsPerRequest), 1)]),
    ];
  });
  return markdownTable(header, rows, 1);
}
