import type { Worker } from "node:worker_threads";

/**
 * Resolves with the first message from `worker` that matches; rejects if the
 * thread errors or exits first.
 */
export function nextMessage<T>(worker: Worker, predicate: (m: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T) => {
      if (!predicate(m)) return;
      cleanup();
      resolve(m);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`thread exited with code ${code}`));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("exit", onExit);
      worker.off("error", onError);
    };
    worker.on("message", onMessage);
    worker.on("exit", onExit);
    worker.on("error", onError);
  });
}
