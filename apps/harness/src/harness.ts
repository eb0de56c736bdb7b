import type { Dataset } from "./dataset.ts";
import { indexLine, topoOrder } from "./dataset.ts";
import { type Endpoint, HarnessConnection, REPLY_ERROR, REPLY_FAIL, REPLY_NAMES, REPLY_OK } from "./connection.ts";
import { malformedLine } from "./malformed.ts";
import { Model } from "./model.ts";
import { Rng } from "./rng.ts";

export interface HarnessOptions extends Endpoint {
  data: Dataset;
  /** Clients, each with its own connection and share of the packages (1–1,000). */
  concurrency: number;
  seed: number;
  /** Percent of requests preceded by a malformed line that must get ERROR. */
  unluckiness: number;
  /** Percent of requests preceded by a disconnect mid-line and a reconnect. */
  disconnects: number;
  /** Requests each client keeps in flight. */
  pipeline: number;
  /** Seconds a connection may wait for a reply before the run fails. */
  timeoutSeconds: number;
  onProgress?: (progress: Progress) => void;
  onPhaseEnd?: (phase: PhaseSummary) => void;
}

export const PHASES = ["cleanup", "index", "query-indexed", "remove", "query-removed"] as const;
export type PhaseName = (typeof PHASES)[number];
export const PHASE_TITLES: Record<PhaseName, string> = {
  cleanup: "remove everything",
  index: "brute-force index",
  "query-indexed": "query all (expect OK)",
  remove: "brute-force remove",
  "query-removed": "query all (expect FAIL)",
};

export interface PhaseSummary {
  phase: PhaseName;
  passes: number;
  seconds: number;
  messages: number;
  ok: number;
  fail: number;
  error: number;
  malformed: number;
  disconnects: number;
}

export interface Progress {
  phase: PhaseName;
  pass: number;
  done: number;
  total: number;
  messages: number;
  seconds: number;
}

export interface Failure {
  phase: PhaseName;
  message: string;
  request: string | null;
  reply: string | null;
}

export interface HarnessResult {
  ok: boolean;
  packages: number;
  phases: PhaseSummary[];
  failure: Failure | null;
  seconds: number;
}

const OP_MALFORMED = 0;
const OP_PHASE = 1;

interface Client {
  id: number;
  conn: HarnessConnection;
  rng: Rng;
  packages: number[];
}

/**
 * Runs the challenge harness's phases against a server: remove everything;
 * brute-force INDEX until every package is indexed; QUERY all (OK);
 * brute-force REMOVE until none remain; QUERY all (FAIL). Every reply is
 * checked against the harness's own view (see Model); the first violation
 * stops the run and is reported with the request and reply that showed it.
 */
export async function runHarness(options: HarnessOptions): Promise<HarnessResult> {
  const started = performance.now();
  const data = options.data;
  topoOrder(data); // refuses cyclic data up front: it could never be fully indexed
  const model = new Model(data);
  const pipeline = Math.max(1, options.pipeline);
  const phases: PhaseSummary[] = [];
  // An object, not a `let`: closures set it and the flow checks it.
  const run: { failure: Failure | null } = { failure: null };
  let current: PhaseSummary = newSummary("cleanup");
  let phaseStarted = performance.now();
  let done = 0;
  let total = data.names.length;
  let pass = 0;

  const clients: Client[] = [];
  const fail = (message: string, request: string | null, reply: string | null): void => {
    if (run.failure !== null) return;
    run.failure = { phase: current.phase, message, request, reply };
    for (const c of clients) c.conn.close();
  };

  // Deal the packages out: a seeded shuffle, then round-robin.
  const order = new Rng(options.seed, 1).shuffle(data.names.map((_, i) => i));
  const count = Math.max(1, Math.min(options.concurrency, 1000));
  for (let id = 0; id < count; id++) {
    const conn = new HarnessConnection({ host: options.host, port: options.port, tls: options.tls });
    clients.push({ id, conn, rng: new Rng(options.seed, 1000 + id), packages: [] });
  }
  for (let k = 0; k < order.length; k++) clients[k % count].packages.push(order[k]);

  const onReply = (op: number, pkg: number, line: string, code: number): void => {
    if (run.failure !== null) return;
    if (code === REPLY_OK) current.ok++;
    else if (code === REPLY_FAIL) current.fail++;
    else current.error++;
    if (op === OP_MALFORMED) {
      if (code !== REPLY_ERROR) fail("a malformed line was not answered ERROR", line, REPLY_NAMES[code]);
      return;
    }
    let wrong: string | null;
    switch (current.phase) {
      case "cleanup":
        wrong = model.onCleanupReply(pkg, code);
        if (code === REPLY_OK) done++;
        break;
      case "index":
        wrong = model.onIndexReply(pkg, code);
        if (code === REPLY_OK) done++;
        break;
      case "remove":
        wrong = model.onRemoveReply(pkg, code);
        if (code === REPLY_OK) done++;
        break;
      default:
        wrong = model.onQueryReply(pkg, code);
        done++;
    }
    if (wrong !== null) fail(wrong, line, REPLY_NAMES[code]);
  };

  for (const c of clients) {
    c.conn.onReply = onReply;
    c.conn.onBroken = (message, line, reply) => fail(message, line, reply);
  }

  const requestLine = (phase: PhaseName, p: number): string => {
    if (phase === "index") return indexLine(data, p);
    if (phase === "cleanup" || phase === "remove") return `REMOVE|${data.names[p]}|`;
    return `QUERY|${data.names[p]}|`;
  };

  const runClientPass = async (c: Client, phase: PhaseName, items: number[]): Promise<void> => {
    const conn = c.conn;
    const rng = c.rng;
    for (const p of items) {
      if (run.failure !== null) return;
      const line = requestLine(phase, p);
      if (rng.percent(options.unluckiness)) {
        await conn.whenBelow(pipeline);
        if (run.failure !== null) return;
        const bad = malformedLine(rng, data.names[p], data.names[rng.int(data.names.length)]);
        current.messages++;
        current.malformed++;
        conn.send(bad.line, OP_MALFORMED, -1);
      }
      if (rng.percent(options.disconnects)) {
        await conn.whenBelow(1);
        if (run.failure !== null) return;
        current.disconnects++;
        await conn.reconnectMidLine(line, 1 + rng.int(line.length - 1), rng.percent(50));
        if (run.failure !== null) return;
      }
      await conn.whenBelow(pipeline);
      if (run.failure !== null) return;
      if (phase === "index") model.onIndexSent(p);
      else if (phase === "remove") model.onRemoveSent(p);
      current.messages++;
      conn.send(line, OP_PHASE, p);
    }
    await conn.whenBelow(1);
  };

  const progressTimer =
    options.onProgress === undefined
      ? null
      : setInterval(() => {
          options.onProgress?.({
            phase: current.phase,
            pass,
            done,
            total,
            messages: current.messages,
            seconds: (performance.now() - phaseStarted) / 1000,
          });
        }, 200);
  progressTimer?.unref();

  // One watchdog for all connections: a request unanswered for too long
  // ends the run instead of hanging it.
  const timeoutMs = options.timeoutSeconds * 1000;
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const c of clients) {
      if (c.conn.inFlight > 0 && now - c.conn.lastActivity > timeoutMs) {
        fail(`no reply within ${options.timeoutSeconds}s`, c.conn.oldestLine, null);
        return;
      }
    }
  }, Math.min(1000, Math.max(50, timeoutMs / 4)));
  watchdog.unref();

  const endPhase = (): void => {
    current.passes = pass;
    current.seconds = (performance.now() - phaseStarted) / 1000;
    phases.push(current);
    options.onPhaseEnd?.(current);
  };

  const startPhase = (phase: PhaseName, phaseTotal: number): void => {
    current = newSummary(phase);
    phaseStarted = performance.now();
    done = 0;
    pass = 0;
    total = phaseTotal;
  };

  /**
   * Brute force: every client sends its packages that are not yet done,
   * all clients in parallel; then again with what is left, until nothing is
   * left. A pass that gets nothing done is a failure (a correct server
   * always lets some package through on acyclic data).
   */
  const bruteForce = async (phase: PhaseName, isDone: (p: number) => boolean): Promise<void> => {
    for (;;) {
      const remaining = clients.map((c) => c.packages.filter((p) => !isDone(p)));
      const left = remaining.reduce((n, r) => n + r.length, 0);
      if (left === 0 || run.failure !== null) return;
      pass++;
      const before = done;
      await Promise.all(clients.map((c, i) => runClientPass(c, phase, c.rng.shuffle(remaining[i]))));
      if (run.failure !== null) return;
      if (done === before) {
        const stuck = remaining.find((r) => r.length > 0)?.[0] ?? 0;
        fail(
          phase === "index"
            ? `no progress: pass ${pass} indexed nothing, ${left} package(s) still refused`
            : `no progress: pass ${pass} removed nothing, ${left} package(s) still refused` +
                (phase === "cleanup" ? " (does something outside this data set depend on them? start the server empty)" : ""),
          requestLine(phase, stuck),
          "FAIL",
        );
        return;
      }
    }
  };

  try {
    try {
      await Promise.all(clients.map((c) => c.conn.open()));
    } catch (err) {
      for (const c of clients) c.conn.close();
      throw err;
    }

    model.assumeAllIndexed();
    startPhase("cleanup", data.names.length);
    await bruteForce("cleanup", (p) => !model.isIndexed(p));
    if (run.failure === null) endPhase();

    if (run.failure === null) {
      startPhase("index", data.names.length);
      await bruteForce("index", (p) => model.isIndexed(p));
      if (run.failure === null) endPhase();
    }

    for (const phase of ["query-indexed", "remove", "query-removed"] as const) {
      if (run.failure !== null) break;
      startPhase(phase, data.names.length);
      if (phase === "remove") {
        await bruteForce("remove", (p) => !model.isIndexed(p));
      } else {
        pass = 1;
        await Promise.all(clients.map((c) => runClientPass(c, phase, c.rng.shuffle(c.packages.slice()))));
      }
      if (run.failure === null) endPhase();
    }
  } finally {
    clearInterval(watchdog);
    if (progressTimer !== null) clearInterval(progressTimer);
    for (const c of clients) {
      if (run.failure === null) c.conn.finish();
      else c.conn.close();
    }
  }

  if (run.failure !== null) {
    current.seconds = (performance.now() - phaseStarted) / 1000;
    current.passes = pass;
    phases.push(current);
  }
  return {
    ok: run.failure === null,
    packages: data.names.length,
    phases,
    failure: run.failure,
    seconds: (performance.now() - started) / 1000,
  };
}

function newSummary(phase: PhaseName): PhaseSummary {
  return { phase, passes: 0, seconds: 0, messages: 0, ok: 0, fail: 0, error: 0, malformed: 0, disconnects: 0 };
}
