import type { Worker } from "node:worker_threads";

/**
 * Request/reply over a thread's control channel, matched by id and bounded
 * by a deadline (a thread stuck in a long batch must not hang /livez or
 * /metrics).
 */
export class ThreadRequests {
  private nextId = 1;

  ask<T extends { type: string; id: number }>(worker: Worker, type: string, replyType: string, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.off("message", onMessage);
        reject(new Error(`no ${replyType} from thread ${worker.threadId} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: T) => {
        if (m.type !== replyType || m.id !== id) return;
        clearTimeout(timer);
        worker.off("message", onMessage);
        resolve(m);
      };
      worker.on("message", onMessage);
      worker.postMessage({ type, id });
    });
  }
}
