// The hop between an I/O worker and the state owner, four ways (issue 11):
//
//   port         MessagePort, the batch in a transferred buffer, codes back
//                the same way (what worker mode did before rings).
//   ring-notify  SharedArrayBuffer rings (one each way, single producer,
//                single consumer); the producer calls Atomics.notify after
//                every record, the consumer sleeps in Atomics.waitAsync as
//                soon as a drain finds nothing.
//   ring-idle    the same rings; the consumer sets a flag before it sleeps
//                and the producer notifies only when it finds it set.
//   ring-poll    ring-idle, and a consumer that found work polls once more at
//                the end of its next event-loop turn before it sleeps (as a
//                thread busy with sockets or commits would anyway).
//   ring-portbell the same rings and flag, but the wake-up is a tiny
//                postMessage on a MessagePort instead of Atomics.notify (the
//                consumer's port listener is its sleep): tests whether the
//                cost is in the wake-up or in the message.
//
// Two threads, "io" and "owner", neither of them the main thread. The io
// thread keeps `inflight` batches of `batch` QUERY lines in flight (closed
// loop); the owner scans each for newlines and writes one code per line, as
// IndexEngine.applyBatch does, without a graph. Each thread reports its own
// CPU time (process.threadCpuUsage) over the measured trips. Configurations
// run interleaved, `rounds` times each; the table gives medians and min-max.
// A benchmark, not a test: it prints figures. From the repo root:
//
//   ./node_modules/node/bin/node packages/runtime/bench/hop-transports.ts [--trips N] [--rounds R] [--batches 1,3,10,100] [--inflight 1,4] [--modes port,ring-notify,ring-idle,ring-poll]
import { MessageChannel, type MessagePort, Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { parseArgs } from "node:util";
import { createRingMemory, RingReader, RingWriter, type ByteRingMemory } from "./byte-ring.ts";
import { createDoorbellMemory, DoorbellRinger, DoorbellSleeper } from "./doorbell.ts";

type Mode = "port" | "ring-notify" | "ring-idle" | "ring-poll" | "ring-portbell";

interface Setup {
  role: "io" | "owner";
  mode: Mode;
  batch: number;
  inflight: number;
  trips: number;
  warmup: number;
  port: MessagePort;
  requests: ByteRingMemory;
  replies: ByteRingMemory;
  /** Doorbell of the thread that consumes requests (owner) and of the one that consumes replies (io). */
  ownerBell: SharedArrayBuffer;
  ioBell: SharedArrayBuffer;
}

interface Result {
  cpuMicros: number;
  wallMicros: number;
  notifies: number;
  wakes: number;
}

const LINE = Buffer.from("QUERY|libpackage-0000|\n", "latin1");
const BATCH_BUFFER_BYTES = 64 * 1024;

function cpuMicros(): number {
  const u = process.threadCpuUsage();
  return u.user + u.system;
}

/** The owner's work per batch: one code per line over the start of the bytes (REPLY_OK = 0). */
function applyCodes(bytes: Uint8Array, start: number, end: number, out: Uint8Array, outStart: number): number {
  let count = 0;
  let at = start;
  while (at < end) {
    let nl = bytes.indexOf(10, at);
    if (nl === -1 || nl >= end) nl = end;
    out[outStart + count++] = 0;
    at = nl + 1;
  }
  return count;
}

function fillBatch(buf: Buffer, lines: number): number {
  for (let i = 0; i < lines; i++) LINE.copy(buf, i * LINE.length);
  return lines * LINE.length;
}

// ---------- port ----------

function portIo(s: Setup, done: (r: Result) => void): void {
  const total = s.trips + s.warmup;
  let sent = 0;
  let received = 0;
  let cpu0 = 0;
  let t0 = 0;
  const length = s.batch * LINE.length;
  s.port.on("message", (reply: Uint8Array) => {
    received++;
    if (received === s.warmup) {
      cpu0 = cpuMicros();
      t0 = performance.now();
    }
    if (received === total) {
      done({ cpuMicros: cpuMicros() - cpu0, wallMicros: (performance.now() - t0) * 1000, notifies: 0, wakes: 0 });
      return;
    }
    if (sent < total) {
      sent++;
      // As ForwardingDispatcher: the buffer comes back and is filled again.
      const buf = Buffer.from(reply.buffer as ArrayBuffer);
      fillBatch(buf, s.batch);
      const view = new Uint8Array(reply.buffer, 0, length);
      s.port.postMessage(view, [view.buffer as ArrayBuffer]);
    }
  });
  for (let i = 0; i < s.inflight; i++, sent++) {
    const buf = Buffer.from(new ArrayBuffer(BATCH_BUFFER_BYTES));
    fillBatch(buf, s.batch);
    const view = new Uint8Array(buf.buffer, 0, length);
    s.port.postMessage(view, [view.buffer as ArrayBuffer]);
  }
}

function portOwner(s: Setup, ready: () => void): void {
  s.port.on("message", (batch: Uint8Array) => {
    applyCodes(batch, 0, batch.length, batch, 0);
    s.port.postMessage(batch, [batch.buffer as ArrayBuffer]);
  });
  ready();
}

// ---------- rings ----------

/**
 * One consumer loop for all ring modes: drain, then (ring-poll, after work)
 * poll again next turn, else sleep on the doorbell.
 */
function consumerLoop(
  mode: Mode,
  bell: SharedArrayBuffer,
  reader: RingReader,
  drain: () => number,
  counters: { wakes: number },
  port: MessagePort,
): void {
  if (mode === "ring-portbell") {
    const flag = new Int32Array(bell);
    const run = (): void => {
      for (;;) {
        drain();
        Atomics.store(flag, 0, 1);
        if (!reader.ready) return;
        Atomics.store(flag, 0, 0);
      }
    };
    port.on("message", () => {
      counters.wakes++;
      run();
    });
    run();
    return;
  }
  let sleeper: DoorbellSleeper;
  const hasWork = (): boolean => reader.ready;
  const run = (): void => {
    for (;;) {
      const handled = drain();
      if (handled > 0 && mode === "ring-poll") {
        setImmediate(run);
        return;
      }
      if (!sleeper.sleep(hasWork)) return;
    }
  };
  sleeper = new DoorbellSleeper(bell, () => {
    counters.wakes++;
    run();
  });
  run();
}

function producerBell(mode: Mode, bell: SharedArrayBuffer, counters: { notifies: number }, port: MessagePort): () => void {
  const ringer = new DoorbellRinger(bell);
  const flag = new Int32Array(bell);
  if (mode === "ring-portbell") {
    return () => {
      if (Atomics.load(flag, 0) === 1 && Atomics.compareExchange(flag, 0, 1, 0) === 1) {
        counters.notifies++;
        port.postMessage(0);
      }
    };
  }
  if (mode === "ring-notify") {
    return () => {
      // Unconditional: clear the flag (as a ring would) and notify every time.
      Atomics.store(flag, 0, 0);
      counters.notifies++;
      Atomics.notify(flag, 0);
    };
  }
  return () => {
    if (ringer.ring()) counters.notifies++;
  };
}

function ringIo(s: Setup, done: (r: Result) => void): void {
  const total = s.trips + s.warmup;
  const requests = new RingWriter(s.requests);
  const replies = new RingReader(s.replies);
  const counters = { notifies: 0, wakes: 0 };
  const notifyOwner = producerBell(s.mode, s.ownerBell, counters, s.port);
  const batchBuf = Buffer.alloc(s.batch * LINE.length);
  const length = fillBatch(batchBuf, s.batch);
  let sent = 0;
  let received = 0;
  let cpu0 = 0;
  let t0 = 0;
  let notifies0 = 0;
  let wakes0 = 0;
  let finished = false;
  const send = (): void => {
    if (!requests.writeAndPublish(batchBuf, 0, length)) throw new Error("request ring full in a closed loop");
    sent++;
    notifyOwner();
  };
  const drain = (): number => {
    let n = 0;
    while (!finished && replies.next()) {
      replies.release();
      n++;
      received++;
      if (received === s.warmup) {
        cpu0 = cpuMicros();
        t0 = performance.now();
        notifies0 = counters.notifies;
        wakes0 = counters.wakes;
      }
      if (received === total) {
        finished = true;
        done({
          cpuMicros: cpuMicros() - cpu0,
          wallMicros: (performance.now() - t0) * 1000,
          notifies: counters.notifies - notifies0,
          wakes: counters.wakes - wakes0,
        });
        break;
      }
      if (sent < total) send();
    }
    return n;
  };
  for (let i = 0; i < s.inflight; i++) send();
  consumerLoop(s.mode, s.ioBell, replies, drain, counters, s.port);
}

function ringOwner(s: Setup, ready: () => void): { counters: { notifies: number; wakes: number } } {
  const requests = new RingReader(s.requests);
  const replies = new RingWriter(s.replies);
  const counters = { notifies: 0, wakes: 0 };
  const notifyIo = producerBell(s.mode, s.ioBell, counters, s.port);
  const data = requests.data;
  // Codes go straight into the reply ring: one per line of the request record.
  const fill = (bytes: Uint8Array, offset: number): void => {
    applyCodes(data, requests.offset, requests.offset + requests.length, bytes, offset);
  };
  const drain = (): number => {
    let n = 0;
    while (requests.next()) {
      // The codes count equals the lines; a batch of B lines has B codes.
      if (!replies.writeWith(s.batch, fill)) throw new Error("reply ring full");
      requests.release();
      replies.publish();
      notifyIo();
      n++;
    }
    return n;
  };
  consumerLoop(s.mode, s.ownerBell, requests, drain, counters, s.port);
  ready();
  return { counters };
}

// ---------- driver ----------

function reportResult(r: Result): void {
  parentPort!.postMessage(r);
}

function runThread(s: Setup): void {
  const parent = parentPort!;
  if (s.role === "owner") {
    const cpu0 = cpuMicros();
    let counters = { notifies: 0, wakes: 0 };
    if (s.mode === "port") portOwner(s, () => parent.postMessage("ready"));
    else counters = ringOwner(s, () => parent.postMessage("ready")).counters;
    parent.on("message", (m: string) => {
      if (m === "mark") parent.postMessage({ cpu: cpuMicros() - cpu0, notifies: counters.notifies, wakes: counters.wakes });
    });
    return;
  }
  // on, not once: a pending Atomics.waitAsync does not keep a thread's event
  // loop alive, the listening parent port does.
  parent.on("message", () => {
    if (s.mode === "port") portIo(s, reportResult);
    else ringIo(s, reportResult);
  });
  parent.postMessage("ready");
}

interface Sample {
  mode: Mode;
  batch: number;
  inflight: number;
  tripsPerSec: number;
  ioCpu: number;
  ownerCpu: number;
  ownerWakes: number;
  ioWakes: number;
}

function message<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    w.once("message", resolve);
    w.once("error", reject);
  });
}

async function runOne(mode: Mode, batch: number, inflight: number, trips: number): Promise<Sample> {
  const { port1, port2 } = new MessageChannel();
  const capacity = 1 << 20;
  const common = {
    mode,
    batch,
    inflight,
    trips,
    warmup: Math.min(5000, trips >> 2),
    requests: createRingMemory(capacity),
    replies: createRingMemory(capacity),
    ownerBell: createDoorbellMemory(),
    ioBell: createDoorbellMemory(),
  };
  const owner = new Worker(new URL(import.meta.url), { workerData: { ...common, role: "owner", port: port2 }, transferList: [port2] });
  await message(owner);
  const io = new Worker(new URL(import.meta.url), { workerData: { ...common, role: "io", port: port1 }, transferList: [port1] });
  await message(io);
  // The owner's CPU is read at the io thread's first measured trip and at its last.
  const ownerAt = (): Promise<{ cpu: number; wakes: number }> => {
    const p = message<{ cpu: number; wakes: number }>(owner);
    owner.postMessage("mark");
    return p;
  };
  const before = await ownerAt();
  const result = message<Result>(io);
  io.postMessage("go");
  const r = await result;
  const after = await ownerAt();
  await Promise.all([io.terminate(), owner.terminate()]);
  // The owner's window includes warm-up trips: scale by the measured share of
  // its wall time is not possible, so warm-up is subtracted as a fraction of trips.
  const ownerTrips = trips + common.warmup;
  return {
    mode,
    batch,
    inflight,
    tripsPerSec: trips / (r.wallMicros / 1e6),
    ioCpu: r.cpuMicros / trips,
    ownerCpu: (after.cpu - before.cpu) / ownerTrips,
    ownerWakes: (after.wakes - before.wakes) / ownerTrips,
    ioWakes: r.wakes / trips,
  };
}

function median(xs: number[]): number {
  const s = xs.toSorted((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function spread(xs: number[], digits: number): string {
  const f = (x: number): string => x.toFixed(digits);
  return `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
}

if (isMainThread) {
  const { values } = parseArgs({
    options: {
      trips: { type: "string", default: "40000" },
      rounds: { type: "string", default: "3" },
      batches: { type: "string", default: "1,3,10,100" },
      inflight: { type: "string", default: "1,4" },
      modes: { type: "string", default: "port,ring-notify,ring-idle,ring-poll,ring-portbell" },
    },
  });
  const modes = values.modes.split(",") as Mode[];
  const batches = values.batches.split(",").map(Number);
  const inflights = values.inflight.split(",").map(Number);
  const rounds = Number(values.rounds);
  const trips = Number(values.trips);
  const samples: Sample[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const inflight of inflights) {
      for (const batch of batches) {
        // Rotate the order each round so no mode always runs first.
        const order = modes.map((_, i) => modes[(i + round) % modes.length]);
        for (const mode of order) {
          const sample = await runOne(mode, batch, inflight, trips);
          samples.push(sample);
          console.error(JSON.stringify({ round, ...sample }));
        }
      }
    }
  }
  console.log(`| inflight | batch | mode | round trips/s | io CPU µs/trip | owner CPU µs/trip | io+owner CPU µs/command | owner wakes/trip |`);
  console.log(`|---:|---:|---|---:|---:|---:|---:|---:|`);
  for (const inflight of inflights) {
    for (const batch of batches) {
      for (const mode of modes) {
        const mine = samples.filter((s) => s.mode === mode && s.batch === batch && s.inflight === inflight);
        const perCommand = mine.map((s) => (s.ioCpu + s.ownerCpu) / batch);
        console.log(
          `| ${inflight} | ${batch} | ${mode} | ${spread(
            mine.map((s) => s.tripsPerSec),
            0,
          )} | ${spread(
            mine.map((s) => s.ioCpu),
            2,
          )} | ${spread(
            mine.map((s) => s.ownerCpu),
            2,
          )} | ${spread(perCommand, 3)} | ${
            // A MessagePort's wake-ups happen inside libuv, where this bench cannot count them.
            mode === "port" ? "–" : spread(
              mine.map((s) => s.ownerWakes),
              2,
            )
          } |`,
        );
      }
    }
  }
} else {
  runThread(workerData as Setup);
}
