import net from "node:net";
import tls from "node:tls";
import { CONNECTED, PHASE, PHASE_MEASURE, PHASE_STOP, repliesSlot, visitsSlot } from "./control.ts";
import { encodeHistogram, newHistogram } from "./stats.ts";
import { buildSchedule, buildWorkload, type DataSource, loadData, type MixName } from "./workload.ts";

/** One load thread's share of a run. */
export interface LoadTask {
  host: string;
  port: number;
  /** TLS options (PEM text, servername): every connection (each churn visit too) does a full TLS handshake first. */
  tls?: tls.ConnectionOptions;
  /** This thread's connections, and the global index of its first one. */
  connections: number;
  firstConnection: number;
  /**
   * closed: keep `depth` requests in flight; open: send at
   * `ratePerConnection`/s whatever the replies; churn: each connection sends
   * `linesPerConnection` lines (`depth` in flight), reads their replies,
   * closes, and its slot connects again at once.
   */
  loop: "closed" | "open" | "churn";
  depth: number;
  ratePerConnection: number;
  linesPerConnection: number;
  source: DataSource;
  indexedShare: number;
  mix: MixName;
  malformed: number;
  seed: number;
  scheduleLength: number;
  control: Int32Array;
  slot: number;
  /** Give up waiting for outstanding replies this long after the stop. */
  drainMs: number;
}

export interface LoadTaskResult {
  histogram: string;
  replies: number;
  ok: number;
  fail: number;
  error: number;
  /** Connection errors and replies that were not OK/FAIL/ERROR. */
  errors: number;
  firstError: string | null;
  threadCpuUs: number;
  /** Churn: connections that completed all their lines while measuring. */
  visits: number;
}

const O = 79;
const F = 70;
const E = 69;
const NL = 10;

/**
 * Drives this thread's connections until the main thread says stop. Each
 * connection copies request bytes from the shared schedule into its own
 * reused output ring and keeps one Float64Array of send times; a reply is
 * matched to its send time by FIFO position. Nothing is allocated per
 * request. Latency is reply arrival minus send time (closed loop) or minus
 * the intended send time (open loop: no coordinated omission).
 */
export default async function runLoadTask(task: LoadTask): Promise<LoadTaskResult> {
  const cpuStart = process.threadCpuUsage?.() ?? null;
  const workload = buildWorkload(loadData(task.source), task.indexedShare);
  const schedule = buildSchedule(workload, task.mix, task.malformed, task.scheduleLength, task.seed);
  const { bytes, offsets, count, maxLine } = schedule;
  const control = task.control;
  const histogram = newHistogram();
  const result: LoadTaskResult = { histogram: "", replies: 0, ok: 0, fail: 0, error: 0, errors: 0, firstError: null, threadCpuUs: 0, visits: 0 };
  const open = task.loop === "open";
  const churn = task.loop === "churn";
  const lines = Math.max(1, task.linesPerConnection);
  const depth = Math.max(1, task.depth);
  const noteError = (message: string): void => {
    result.errors++;
    if (result.firstError === null) result.firstError = message;
  };

  let live = 0;
  const { promise: finished, resolve: finish } = Promise.withResolvers<void>();

  interface Conn {
    socket: net.Socket;
    /** Send (or intended send) times, a ring of `mask + 1` entries. */
    sentAt: Float64Array;
    mask: number;
    head: number;
    inFlight: number;
    next: number;
    out: Buffer;
    outPos: number;
    /** Bytes of the reply being read so far, and its first byte. */
    replyLen: number;
    replyCode: number;
    nextSendAt: number;
    closed: boolean;
    /** An error was already counted for this connection. */
    errored: boolean;
    /** Churn: lines still to send and replies still due on this visit, and when it began. */
    toSend: number;
    due: number;
    visitStart: number;
    /** Churn: this visit's replies are all in and the bench closed it. */
    ended: boolean;
  }

  const ringBytes = Math.max(65536, 3 * depth * maxLine);
  const conns: Conn[] = [];

  // Appends the next scheduled request to `c`'s output buffer.
  const append = (c: Conn, at: number): void => {
    const i = c.next;
    c.next = i + 1 === count ? 0 : i + 1;
    const start = offsets[i];
    const end = offsets[i + 1];
    bytes.copy(c.out, c.outPos, start, end);
    c.outPos += end - start;
    if (c.inFlight > c.mask) grow(c);
    c.sentAt[(c.head + c.inFlight) & c.mask] = at;
    c.inFlight++;
  };

  const grow = (c: Conn): void => {
    const bigger = new Float64Array((c.mask + 1) * 2);
    for (let k = 0; k < c.inFlight; k++) bigger[k] = c.sentAt[(c.head + k) & c.mask];
    c.sentAt = bigger;
    c.mask = bigger.length - 1;
    c.head = 0;
  };

  // Closed loop: top the connection up to `depth` in flight, one write.
  const refill = (c: Conn, now: number): void => {
    if (c.inFlight >= depth) return;
    if (c.outPos + depth * maxLine > c.out.length) c.outPos = 0;
    const from = c.outPos;
    while (c.inFlight < depth) append(c, now);
    c.socket.write(c.out.subarray(from, c.outPos));
  };

  const close = (c: Conn): void => {
    if (c.closed) return;
    c.closed = true;
    c.socket.destroy();
    live--;
    if (live === 0) finish();
  };

  const onData = (c: Conn, chunk: Buffer): void => {
    const now = performance.now();
    const measuring = Atomics.load(control, PHASE) === PHASE_MEASURE;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (c.replyLen === 0) c.replyCode = chunk[i];
      const nl = chunk.indexOf(NL, i);
      if (nl === -1) {
        c.replyLen += n - i;
        break;
      }
      const len = c.replyLen + (nl - i);
      c.replyLen = 0;
      i = nl + 1;
      const code = c.replyCode;
      if (c.inFlight === 0) {
        noteError("a reply to no request");
        close(c);
        return;
      }
      const t0 = c.sentAt[c.head];
      c.head = (c.head + 1) & c.mask;
      c.inFlight--;
      const valid = (code === O && len === 2) || (code === F && len === 4) || (code === E && len === 5);
      if (!valid) {
        noteError(`a reply that is not OK, FAIL or ERROR: ${JSON.stringify(chunk.toString("latin1", nl - len, nl).slice(0, 40))}`);
        continue;
      }
      if (measuring) {
        result.replies++;
        if (code === O) result.ok++;
        else if (code === F) result.fail++;
        else result.error++;
        if (!churn) record(now - t0);
      }
      if (churn && --c.due === 0) {
        // A churning client's latency is its whole visit: connect, every line, the last reply.
        if (measuring) {
          result.visits++;
          record(now - c.visitStart);
        }
        c.ended = true;
        // Every reply is read, so the kernel closes with a FIN, not a reset.
        c.socket.destroy();
        return;
      }
    }
    const phase = Atomics.load(control, PHASE);
    if (phase === PHASE_STOP) {
      if (c.inFlight === 0) close(c);
    } else if (churn) {
      churnRefill(c);
    } else if (!open) {
      refill(c, now);
    }
  };

  const record = (ms: number): void => {
    const us = Math.round(ms * 1000);
    histogram.recordValue(us < 1 ? 1 : us);
  };

  // Churn: up to `depth` of this visit's lines in flight.
  const churnRefill = (c: Conn): void => {
    if (c.inFlight >= depth || c.toSend === 0) return;
    if (c.outPos + depth * maxLine > c.out.length) c.outPos = 0;
    const from = c.outPos;
    const now = performance.now();
    while (c.inFlight < depth && c.toSend > 0) {
      append(c, now);
      c.toSend--;
    }
    c.socket.write(c.out.subarray(from, c.outPos));
  };

  // Opens `c`'s socket (again, for churn: the Conn and its buffers are the
  // slot's, reused visit after visit); `first` resolves at the first connect
  // or the first failure.
  const attach = (c: Conn, first: (() => void) | null): void => {
    const socket =
      task.tls === undefined
        ? net.connect({ host: task.host, port: task.port, noDelay: true })
        : tls.connect({ ...task.tls, host: task.host, port: task.port }).setNoDelay(true);
    c.socket = socket;
    c.head = 0;
    c.inFlight = 0;
    c.replyLen = 0;
    c.outPos = 0;
    c.toSend = lines;
    c.due = lines;
    c.ended = false;
    c.visitStart = performance.now();
    socket.on("data", (chunk: Buffer) => onData(c, chunk));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (Atomics.load(control, PHASE) === PHASE_STOP) return;
      c.errored = true;
      noteError(`connection error: ${err.code ?? err.message}`);
    });
    socket.on("close", () => {
      const stopping = Atomics.load(control, PHASE) === PHASE_STOP;
      if (!c.closed && !c.errored && !c.ended && !stopping) noteError("the server closed a connection");
      // A churning slot that got going comes back after a visit or an error, until the stop.
      if (churn && first === null && !stopping && !c.closed) {
        c.errored = false;
        attach(c, null);
        return;
      }
      close(c);
      first?.();
      first = null;
    });
    socket.once(task.tls === undefined ? "connect" : "secureConnect", () => {
      if (first !== null) {
        conns.push(c);
        Atomics.add(control, CONNECTED, 1);
        first();
        first = null;
      }
      if (churn && Atomics.load(control, PHASE) !== PHASE_STOP) churnRefill(c);
    });
  };

  const connectOne = (k: number): Promise<void> =>
    new Promise((resolve) => {
      const c: Conn = {
        socket: null as unknown as net.Socket,
        sentAt: new Float64Array(open ? 1024 : 1 << Math.ceil(Math.log2(depth + 1))),
        mask: 0,
        head: 0,
        inFlight: 0,
        // Spread connections over the schedule so they do not send in lockstep.
        next: Math.floor(((task.firstConnection + k) * 7919) % count),
        out: Buffer.allocUnsafe(ringBytes),
        outPos: 0,
        replyLen: 0,
        replyCode: 0,
        nextSendAt: 0,
        closed: false,
        errored: false,
        toSend: 0,
        due: 0,
        visitStart: 0,
        ended: false,
      };
      c.mask = c.sentAt.length - 1;
      live++;
      attach(c, resolve);
    });

  await Promise.all(Array.from({ length: task.connections }, (_, k) => connectOne(k)));
  if (live === 0) return done();

  let pacer: NodeJS.Timeout | null = null;
  if (open) {
    // Open loop: every millisecond or so, send what is due on each
    // connection, stamped with the time it was due.
    const interval = 1000 / task.ratePerConnection;
    const start = performance.now();
    conns.forEach((c, k) => {
      c.nextSendAt = start + (interval * k) / conns.length;
    });
    pacer = setInterval(() => {
      if (Atomics.load(control, PHASE) === PHASE_STOP) return;
      const now = performance.now();
      for (const c of conns) {
        if (c.closed || c.nextSendAt > now) continue;
        const due = Math.floor((now - c.nextSendAt) / interval) + 1;
        // A batch of its own: an open loop may have any number in flight.
        c.out = Buffer.allocUnsafe(due * maxLine);
        c.outPos = 0;
        for (let d = 0; d < due; d++) {
          append(c, c.nextSendAt);
          c.nextSendAt += interval;
        }
        c.socket.write(c.out.subarray(0, c.outPos));
      }
    }, 1);
  } else if (!churn) {
    const now = performance.now();
    for (const c of conns) refill(c, now);
  }

  // Progress for the main thread, and the stop: close idle connections at
  // once, give the rest `drainMs` to deliver outstanding replies.
  let stopAt = 0;
  const ticker = setInterval(() => {
    Atomics.store(control, repliesSlot(task.slot), result.replies);
    Atomics.store(control, visitsSlot(task.slot), result.visits);
    if (Atomics.load(control, PHASE) !== PHASE_STOP) return;
    if (stopAt === 0) {
      stopAt = performance.now();
      for (const c of conns) if (c.inFlight === 0) close(c);
    } else if (performance.now() - stopAt > task.drainMs) {
      for (const c of conns) close(c);
    }
  }, 20);

  await finished;
  clearInterval(ticker);
  if (pacer !== null) clearInterval(pacer);
  return done();

  function done(): LoadTaskResult {
    Atomics.store(control, repliesSlot(task.slot), result.replies);
    Atomics.store(control, visitsSlot(task.slot), result.visits);
    result.histogram = encodeHistogram(histogram);
    histogram.destroy();
    if (cpuStart !== null) {
      const end = process.threadCpuUsage(cpuStart);
      result.threadCpuUs = end.user + end.system;
    }
    return result;
  }
}
