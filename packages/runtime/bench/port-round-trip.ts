// The floor under the state owner's per-batch cost: one batch-shaped
// message (a transferred buffer) from an "I/O worker" to an "owner" thread
// and back, nothing applied. Reports each thread's own CPU per round trip
// (process.threadCpuUsage) for a closed loop of `--inflight` messages, the
// way I/O workers keep batches in flight. A benchmark, not a test: it
// prints figures. Run from the repo root:
//
//   npx pnpm@10.34.8 exec node packages/runtime/bench/port-round-trip.ts [--trips N] [--inflight K] [--bytes B]
import { MessageChannel, type MessagePort, Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { parseArgs } from "node:util";

interface Setup {
  port: MessagePort;
}

function cpuMicros(): number {
  const u = process.threadCpuUsage();
  return u.user + u.system;
}

if (isMainThread) {
  const { values } = parseArgs({
    options: {
      trips: { type: "string", default: "200000" },
      inflight: { type: "string", default: "1" },
      bytes: { type: "string", default: "65536" },
    },
  });
  const trips = Number(values.trips);
  const inflight = Number(values.inflight);
  const { port1, port2 } = new MessageChannel();
  const owner = new Worker(new URL(import.meta.url), { workerData: { port: port2 }, transferList: [port2] });
  const ownerCpu = new Promise<number>((resolve) => owner.once("message", (m: number) => resolve(m)));
  let done = 0;
  let sent = 0;
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    port1.on("message", (batch: Uint8Array) => {
      done++;
      if (sent < trips) {
        sent++;
        port1.postMessage(batch, [batch.buffer as ArrayBuffer]);
      } else if (done === trips) resolve();
    });
    for (let i = 0; i < inflight && sent < trips; i++, sent++) {
      const batch = new Uint8Array(new ArrayBuffer(Number(values.bytes)));
      port1.postMessage(batch, [batch.buffer as ArrayBuffer]);
    }
  });
  const wallMicros = (performance.now() - t0) * 1000;
  const workerSide = (cpuMicros() - cpu0) / trips;
  port1.close();
  const ownerSide = (await ownerCpu) / trips;
  await owner.terminate();
  console.log(
    JSON.stringify({
      trips,
      inflight,
      bytes: Number(values.bytes),
      wallMicrosPerTrip: +(wallMicros / trips).toFixed(2),
      ioWorkerCpuMicrosPerTrip: +workerSide.toFixed(2),
      ownerCpuMicrosPerTrip: +ownerSide.toFixed(2),
    }),
  );
} else {
  const { port } = workerData as Setup;
  const cpu0 = cpuMicros();
  // As the state owner listens: port.on("message"), reply by transfer.
  port.on("message", (batch: Uint8Array) => port.postMessage(batch, [batch.buffer as ArrayBuffer]));
  port.on("close", () => parentPort!.postMessage(cpuMicros() - cpu0));
}
