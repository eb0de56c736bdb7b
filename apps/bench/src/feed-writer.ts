// The latency runs' writer, on its own thread: its replies must not wait
// behind the bench's own handling of a thousand feed streams on the main
// thread. One connection, strict request/reply, INDEX then REMOVE of the
// same name (each a change), paced at `rate` per second. Times are
// performance.timeOrigin + performance.now(), comparable across threads.
import net from "node:net";
import { parentPort, workerData } from "node:worker_threads";

export interface WriterTask {
  port: number;
  changes: number;
  rate: number;
}

export interface WriterResult {
  sent: Float64Array;
  acked: Float64Array;
  seconds: number;
}

const { port, changes, rate } = workerData as WriterTask;
const now = (): number => performance.timeOrigin + performance.now();
const socket = net.connect({ host: "127.0.0.1", port });
socket.setNoDelay(true);
const sent = new Float64Array(changes);
const acked = new Float64Array(changes);
let k = 0;
let t0 = 0;

const send = (): void => {
  const name = `feed-bench-${k >> 1}`;
  sent[k] = now();
  socket.write(k % 2 === 0 ? `INDEX|${name}|\n` : `REMOVE|${name}|\n`);
};

socket.on("connect", () => {
  t0 = now();
  send();
});
socket.on("data", (chunk: Buffer) => {
  if (chunk.toString("latin1") !== "OK\n") throw new Error(`writer got ${JSON.stringify(chunk.toString("latin1"))}`);
  acked[k] = now();
  k++;
  if (k === changes) {
    socket.destroy();
    parentPort!.postMessage({ sent, acked, seconds: (now() - t0) / 1000 } satisfies WriterResult);
    return;
  }
  const wait = t0 + (k * 1000) / rate - now();
  if (wait > 0) setTimeout(send, wait);
  else send();
});
