import type { Worker } from "node:worker_threads";
import type { ThreadEvent } from "./control-channel.ts";

/**
 * Resolves with the first event from `worker` whose type is one of `types`;
 * rejects if the thread errors or exits first (start-up only: control
 * requests have ids and deadlines, see ControlClient).
 */
export function nextEvent(worker: Worker, ...types: string[]): Promise<ThreadEvent> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ThreadEvent) => {
      if (m?.kind !== "event" || !types.includes(m.type)) return;
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
