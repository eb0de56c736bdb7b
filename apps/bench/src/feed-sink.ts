// Feed streams for bench feed's throughput rounds, on a thread of their
// own: a thousand streams' data events on the main thread held up the
// load threads' control and made the server look slow (measured: write-heavy
// at 0.06x with the streams on the main thread, 0.89x from another process).
import { parentPort, workerData } from "node:worker_threads";
import { FeedSubscribers } from "./feed-subscribers.ts";

export interface SinkTask {
  port: number;
  streams: number;
}

const { port, streams } = workerData as SinkTask;
const subs = await FeedSubscribers.open(port, streams, 0, false);
parentPort!.postMessage({ type: "open" });
parentPort!.once("message", () => {
  const changes = subs.counts.reduce((a, b) => a + b, 0);
  subs.close();
  parentPort!.postMessage({ type: "stopped", changes });
});
