import path from "node:path";
import type tls from "node:tls";
import { spawnSync } from "node:child_process";
import { freePort, makeTestPki, startShellServer, type TestPki } from "@pkgindex/server-process";
import { clientTlsOptions } from "@pkgindex/tls";
import { orDash } from "./format.ts";
import { populate } from "./populate.ts";
import { markdownTable } from "./report.ts";
import type { LoadOptions, LoadPool } from "./run.ts";
import { REPO_ROOT, shellQuote, startPkgindex } from "./server.ts";
import { median } from "./stats.ts";
import { buildWorkload, type DataSource, loadData } from "./workload.ts";

export interface TlsRound {
  label: string;
  /** New connections per second: connect (TLS: a full handshake, no resumption), one QUERY, close. */
  handshakesPerSec: number;
  /** Server CPU (every thread; HAProxy's too when it terminates TLS) per such connection. */
  cpuUsPerHandshake: number;
  /** Steady rps and server CPU per request, 100 connections, mixed, by depth. */
  steady: { depth: number; rps: number; cpuUsPerRequest: number; threads: [string, number][] }[];
  /** Server CPU per connection, by thread name (µs). */
  handshakeThreads: [string, number][];
}

export interface TlsBenchOptions {
  modes: number[];
  rounds: number;
  durationMs: number;
  /** Connections churning at once (each: connect, one line, close, again). */
  handshakeLoops: number;
  depths: number[];
  /** Also each layout over plain TCP. */
  plain: boolean;
  /** Also HAProxy terminating TLS (docker/haproxy-tls.cfg) in front of plain --workers 0. */
  haproxy: boolean;
  log: (record: object) => void;
}

/** A server under test: where clients connect, how, and whose CPU counts. */
interface Target {
  port: number;
  tls: tls.ConnectionOptions | undefined;
  pids: number[];
  stop(): Promise<unknown>;
}

interface Variant {
  label: string;
  start(): Promise<Target>;
}

function variants(o: TlsBenchOptions, pki: TestPki, client: tls.ConnectionOptions): Variant[] {
  const tlsFlags = ["--tls-port", "0", "--tls-cert", pki.serverCert, "--tls-key", pki.serverKey, "--tls-ca", pki.ca, "--tls-client-auth", "require"];
  const out: Variant[] = [];
  for (const m of o.modes) {
    out.push({
      label: `tls w${m}`,
      async start() {
        const s = await startPkgindex(["--admin-port", "0", "--workers", String(m), "--store", "memory", "--tls-only", ...tlsFlags]);
        return { port: s.tlsPort, tls: client, pids: [s.child.pid!], stop: () => s.stop() };
      },
    });
    if (o.plain) {
      out.push({
        label: `plain w${m}`,
        async start() {
          const s = await startPkgindex(["--admin-port", "0", "--workers", String(m), "--store", "memory"]);
          return { port: s.port, tls: undefined, pids: [s.child.pid!], stop: () => s.stop() };
        },
      });
    }
  }
  if (o.haproxy) {
    out.push({
      label: "haproxy-tls → plain w0",
      async start() {
        const admin = await freePort();
        const s = await startPkgindex([
          "--admin-host", "127.0.0.1", "--admin-port", String(admin), "--workers", "0", "--store", "memory",
          "--proxy-protocol", "v2", "--proxy-trusted", "127.0.0.1/32", "--writers", "cn:writer", ...tlsFlags,
        ]);
        const crt = path.join(pki.dir, "haproxy.pem");
        spawnSync("sh", ["-c", `cat ${shellQuote(pki.serverCert)} ${shellQuote(pki.serverKey)} > ${shellQuote(crt)}`]);
        const env = {
          HAPROXY_BIND_ADDR: "127.0.0.1",
          HAPROXY_PASSTHROUGH_PORT: String(await freePort()),
          HAPROXY_CRT: crt,
          HAPROXY_CA: pki.ca,
          PKGINDEX_BACKEND_ADDR: "127.0.0.1",
          PKGINDEX_BACKEND_PORT: String(s.port),
          PKGINDEX_BACKEND_TLS_PORT: String(s.tlsPort),
          PKGINDEX_ADMIN_PORT: String(admin),
        };
        const cfg = path.join(REPO_ROOT, "docker/haproxy-tls.cfg");
        const h = await startShellServer("haproxy", `env HAPROXY_BIND_PORT={port} haproxy -db -f ${shellQuote(cfg)}`, { env });
        return {
          port: h.port,
          tls: client,
          pids: [s.child.pid!, h.pid],
          stop: async () => {
            await h.stop();
            await s.stop();
          },
        };
      },
    });
  }
  return out;
}

/**
 * TLS cost by layout, one interleaved run: per round every variant in turn
 * (pkgindex over TLS for each --workers mode; optionally the same over
 * plain TCP, and HAProxy terminating TLS in front of plain --workers 0),
 * each a fresh server (memory store) with a throwaway PKI and client
 * certificates required: steady rps at 100 connections (mix `mixed`, each
 * depth) and new connections per second, with the server's CPU per request
 * and per connection, in all and per thread. The clients share the
 * machine, so on a small one they bound the rates; CPU per request and per
 * connection are the figures that compare layouts.
 */
export async function runTlsBench(pool: LoadPool, o: TlsBenchOptions): Promise<TlsRound[]> {
  if (o.haproxy && spawnSync("haproxy", ["-v"]).status !== 0) throw new Error("haproxy is not installed (apt-get install haproxy), or pass --no-haproxy");
  const pki = makeTestPki();
  const source: DataSource = { packages: 10_000, dataSeed: 1 };
  const workload = buildWorkload(loadData(source), 0.5);
  const client = { ...clientTlsOptions({ ca: pki.ca, cert: pki.writerCert, key: pki.writerKey, servername: "localhost" }) };
  const rounds: TlsRound[] = [];
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const variant of variants(o, pki, client)) {
        const target = await variant.start();
        try {
          await populate("127.0.0.1", target.port, workload, undefined, target.tls);
          const steady: TlsRound["steady"] = [];
          for (const depth of o.depths) {
            // Server CPU is taken over the measured window only: after the 100 handshakes and the warm-up.
            const load: LoadOptions = {
              host: "127.0.0.1", port: target.port, tls: target.tls, connections: 100, depth, mix: "mixed", malformed: 0, seed: round, source,
              indexedShare: 0.5, durationMs: o.durationMs, warmupMs: 300, pid: target.pids[0], alsoPids: target.pids.slice(1),
            };
            const r = await pool.run(load);
            steady.push({
              depth,
              rps: r.rps,
              cpuUsPerRequest: r.server?.cpuUsPerRequest ?? Number.NaN,
              threads: (r.server?.threads ?? []).map((t) => [t.name, t.usPerRequest]),
            });
          }
          // New connections: the churn loop (connect, one line, its reply, close, again) on the load thread.
          const h = await pool.run({
            host: "127.0.0.1", port: target.port, tls: target.tls, connections: o.handshakeLoops, depth: 1, linesPerConnection: 1, mix: "mixed",
            malformed: 0, seed: round, source, indexedShare: 0.5, durationMs: o.durationMs, warmupMs: 300, pid: target.pids[0], alsoPids: target.pids.slice(1),
          });
          const perConnection = h.connectionsPerSecond !== null && h.connectionsPerSecond > 0 ? h.replies / (h.connectionsPerSecond * h.seconds) : 1;
          const row: TlsRound = {
            label: variant.label,
            handshakesPerSec: h.connectionsPerSecond ?? Number.NaN,
            cpuUsPerHandshake: h.server?.cpuUsPerConnection ?? Number.NaN,
            steady,
            // Per thread, per connection: the run reports per request; a connection carries `perConnection` of them.
            handshakeThreads: (h.server?.threads ?? []).map((t) => [t.name, t.usPerRequest * perConnection]),
          };
          rounds.push(row);
          o.log({ round, ...row });
        } finally {
          await target.stop();
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

/** Medians over rounds, with min–max, per variant. */
export function tlsTable(rounds: readonly TlsRound[]): string {
  const labels = [...new Set(rounds.map((r) => r.label))];
  const depths = rounds[0]?.steady.map((s) => s.depth) ?? [];
  const header = ["server", "connections/s", "srv µs/connection", ...depths.flatMap((d) => [`rps d${d}`, `srv µs/req d${d}`])];
  const rows = labels.map((label) => {
    const mine = rounds.filter((r) => r.label === label);
    return [
      label,
      spread(mine.map((r) => r.handshakesPerSec), 0),
      spread(mine.map((r) => r.cpuUsPerHandshake), 0),
      ...depths.flatMap((d, i) => [spread(mine.map((r) => r.steady[i].rps), 0), spread(mine.map((r) => r.steady[i].cpuUsPerRequest), 1)]),
    ];
  });
  return markdownTable(header, rows, 1);
}
