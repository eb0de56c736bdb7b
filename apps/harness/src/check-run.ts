import { randomBytes } from "node:crypto";
import type { Endpoint } from "./connection.ts";
import type { History, HistoryOp } from "./history.ts";
import { checkHistory, type Verdict } from "./linearizability.ts";
import { randomOperation } from "./op-mix.ts";
import { MAX_NAMES } from "./packed-spec.ts";
import { RecordingClient } from "./recording-client.ts";
import { Rng } from "./rng.ts";
import { shrinkViolation, type Witness } from "./shrink.ts";

export interface CheckRunOptions {
  /** Clients are spread over these round-robin (nodes behind a balancer, or each node directly). */
  targets: Endpoint[];
  clients: number;
  /** No round starts after this many seconds. */
  seconds: number;
  seed: number;
  /** At most this many rounds (default: as many as fit in `seconds`). */
  rounds?: number;
  /** Names per round (2-6, default 5): few, so operations collide. */
  names?: number;
  /** Operations per round over all clients (default 100): the length of each checked history. */
  opsPerRound?: number;
  /** Requests each client keeps in flight, written as one burst (default 1). */
  pipeline?: number;
  /** Percent of operations preceded by a disconnect mid-line and a reconnect (default 0). */
  disconnects?: number;
  /** A reply slower than this drops the connection (default 10 s). */
  timeoutSeconds?: number;
  /** How long a client keeps trying to reconnect (default 10 s). */
  reconnectSeconds?: number;
  /** Search time allowed per history before it is "undecided" (default 10 s). */
  checkSeconds?: number;
  /** Called after every settled operation: fault tests inject their fault from here. */
  onProgress?: (progress: RunProgress) => void;
}

export interface RunProgress {
  round: number;
  answered: number;
  unanswered: number;
}

export type Outcome = "linearizable" | "violation" | "undecided";

export interface CheckRunResult {
  outcome: Outcome;
  /** Why the outcome is not "linearizable", in one line. */
  reason: string | null;
  /** The run's name prefix (names are `<tag>.<round>.<letter>`, fresh on every run). */
  tag: string;
  clients: number;
  targets: string[];
  seed: number;
  namesPerHistory: number;
  operations: number;
  answered: number;
  unanswered: number;
  /** Independent histories checked (one per round). */
  histories: number;
  longestHistory: number;
  runSeconds: number;
  checkSeconds: number;
  searchSteps: number;
  violations: number;
  undecided: number;
  reconnects: number;
  drops: number;
  timeouts: number;
  disconnects: number;
  protocolErrors: string[];
  /** The first violation, shrunk for a reader; null when none. */
  witness: Witness | null;
  /** Every recorded history, for tests and post-mortems. */
  recorded: History[];
}

/**
 * Records a history from `clients` concurrent clients and checks it for
 * linearizability. The run is a sequence of short rounds, each on a fresh
 * set of names that no other round touches: the rounds are then
 * independent objects, and by locality the whole run is linearizable
 * exactly when each round's history is. A round ends when every client has
 * sent its share, so a history stays short enough to check in
 * milliseconds whatever the run's length. At the end every name of every
 * round is queried once more, so a change lost later (a restart that
 * forgot an acknowledged write) shows up in its round's history.
 */
export async function runCheck(options: CheckRunOptions): Promise<CheckRunResult> {
  const nameCount = options.names ?? 5;
  if (!Number.isInteger(nameCount) || nameCount < 2 || nameCount > MAX_NAMES) throw new RangeError(`names must be 2-${MAX_NAMES}`);
  const pipeline = options.pipeline ?? 1;
  const perClient = Math.max(1, Math.ceil((options.opsPerRound ?? 100) / options.clients));
  const tag = randomBytes(4).readUInt32BE().toString(36);
  const progress: RunProgress = { round: 0, answered: 0, unanswered: 0 };
  const onSettle = (op: HistoryOp): void => {
    if (op.reply === null) progress.unanswered++;
    else progress.answered++;
    options.onProgress?.(progress);
  };
  const clients = Array.from(
    { length: options.clients },
    (_, i) =>
      new RecordingClient(i, options.targets[i % options.targets.length], {
        timeoutMs: (options.timeoutSeconds ?? 10) * 1000,
        reconnectMs: (options.reconnectSeconds ?? 10) * 1000,
        onSettle,
      }),
  );
  const recorded: History[] = [];
  const start = performance.now();
  const deadline = start + options.seconds * 1000;
  try {
    await Promise.all(clients.map((c) => c.connect()));
    for (let round = 0; round < (options.rounds ?? Number.POSITIVE_INFINITY) && performance.now() < deadline; round++) {
      progress.round = round;
      const names = Array.from({ length: nameCount }, (_, i) => `${tag}.${round}.${String.fromCharCode(97 + i)}`);
      const history: History = { label: `round ${round}`, names, ops: [] };
      recorded.push(history);
      await Promise.all(
        clients.map((c) => runClientRound(c, new Rng(options.seed, 1 + c.id + options.clients * round), names, perClient, pipeline, options.disconnects ?? 0, history.ops)),
      );
    }
    await verifyAll(clients, recorded);
  } finally {
    for (const c of clients) c.close();
  }
  const runSeconds = (performance.now() - start) / 1000;

  // Check every round; the first violation is shrunk for the report.
  const checkStart = performance.now();
  const budgetMs = (options.checkSeconds ?? 10) * 1000;
  let searchSteps = 0;
  let violations = 0;
  let undecided = 0;
  let witness: Witness | null = null;
  let checked = 0;
  for (const history of recorded) {
    // A violating history costs the search its whole space, and one is proof enough: stop there.
    if (witness !== null) break;
    checked++;
    const result = checkHistory(history, { deadline: performance.now() + budgetMs });
    searchSteps += result.steps;
    const verdict: Verdict = result.verdict;
    if (verdict === "violation") {
      violations++;
      witness ??= shrinkViolation(history, { deadline: performance.now() + budgetMs });
    } else if (verdict === "undecided") {
      undecided++;
    }
  }
  const checkSeconds = (performance.now() - checkStart) / 1000;

  const protocolErrors = clients.flatMap((c) => c.protocolErrors);
  const operations = recorded.reduce((n, h) => n + h.ops.length, 0);
  const answered = recorded.reduce((n, h) => n + h.ops.filter((o) => o.reply !== null).length, 0);
  let outcome: Outcome = "linearizable";
  let reason: string | null = null;
  if (protocolErrors.length > 0) {
    outcome = "violation";
    reason = protocolErrors[0];
  } else if (violations > 0) {
    outcome = "violation";
    reason = `${witness!.label} is not linearizable (${checked} of ${recorded.length} histories checked; the rest are not, after a violation)`;
  } else if (undecided > 0) {
    outcome = "undecided";
    reason = `${undecided} histories could not be decided within ${options.checkSeconds ?? 10} s each`;
  } else if (answered === 0) {
    outcome = "undecided";
    reason = "no operation was answered";
  }
  const sum = (f: (c: RecordingClient) => number): number => clients.reduce((n, c) => n + f(c), 0);
  return {
    outcome,
    reason,
    tag,
    clients: options.clients,
    targets: options.targets.map((t) => `${t.host}:${t.port}`),
    seed: options.seed,
    namesPerHistory: nameCount,
    operations,
    answered,
    unanswered: operations - answered,
    histories: recorded.length,
    longestHistory: recorded.reduce((n, h) => Math.max(n, h.ops.length), 0),
    runSeconds,
    checkSeconds,
    searchSteps,
    violations,
    undecided,
    reconnects: sum((c) => c.reconnects),
    drops: sum((c) => c.drops),
    timeouts: sum((c) => c.timeouts),
    disconnects: sum((c) => c.disconnects),
    protocolErrors,
    witness,
    recorded,
  };
}

/** One client's share of a round: `count` random operations, up to `pipeline` in flight. */
async function runClientRound(client: RecordingClient, rng: Rng, names: readonly string[], count: number, pipeline: number, disconnects: number, sink: HistoryOp[]): Promise<void> {
  const settled: Promise<void>[] = [];
  let left = count;
  while (left > 0) {
    if (!client.connected) await client.connect();
    if (rng.percent(disconnects)) {
      // Half the time the whole line but its newline: the cut most likely to be mistaken for a request.
      const line = `INDEX|${rng.pick(names)}|`;
      const fragment = rng.percent(50) ? line : line.slice(0, 1 + rng.int(line.length - 1));
      const reset = rng.percent(50);
      await client.whenBelow(1); // only an idle connection: nothing in flight is lost to it
      if (client.connected) client.disconnectMidLine(fragment, reset);
      continue;
    }
    await client.whenBelow(pipeline);
    if (!client.connected) continue;
    const burst = Array.from({ length: Math.min(left, pipeline - client.inFlight) }, () => randomOperation(rng, names, client.id));
    sink.push(...burst);
    settled.push(...client.send(burst));
    left -= burst.length;
  }
  await Promise.all(settled);
}

/** Queries every name of every round once more, each client a share, pipelined. */
async function verifyAll(clients: readonly RecordingClient[], recorded: readonly History[]): Promise<void> {
  const work = recorded.flatMap((h) => h.names.map((name) => ({ h, name })));
  await Promise.all(
    clients.map(async (client) => {
      const mine = work.filter((_, i) => i % clients.length === client.id);
      const settled: Promise<void>[] = [];
      for (let at = 0; at < mine.length; ) {
        if (!client.connected) await client.connect();
        await client.whenBelow(32);
        if (!client.connected) continue;
        const burst = mine.slice(at, at + 32 - client.inFlight).map(({ h, name }) => {
          const op: HistoryOp = { client: client.id, command: "QUERY", name, deps: [], invoke: 0, respond: null, reply: null };
          h.ops.push(op);
          return op;
        });
        settled.push(...client.send(burst));
        at += burst.length;
      }
      await Promise.all(settled);
    }),
  );
}
