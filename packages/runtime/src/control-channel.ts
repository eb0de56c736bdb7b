import type { MessagePort, Transferable, Worker } from "node:worker_threads";

// One request/reply channel for thread control (ping, stats, metrics,
// listen, drain, stop, …) between the supervisor and each of its threads.
// Every request has an id and a deadline: a thread stuck in a long batch, or
// dead, cannot make /livez, /metrics or a drain wait past it. The data path
// (batches and reply codes) never uses this channel.

export interface ControlRequest {
  kind: "control";
  id: number;
  op: string;
  payload: unknown;
}

export interface ControlReply {
  kind: "reply";
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** Something a thread reports on its own (loaded, ready, failed, fatal). */
export interface ThreadEvent {
  kind: "event";
  type: string;
  [key: string]: unknown;
}

export class ControlTimeoutError extends Error {
  constructor(op: string, threadId: number, timeoutMs: number) {
    super(`thread ${threadId} did not answer ${op} within ${timeoutMs} ms`);
    this.name = "ControlTimeoutError";
  }
}

interface Waiting {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** The supervisor's end of one thread's control channel. */
export class ControlClient {
  readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private exited: string | null = null;

  constructor(worker: Worker) {
    this.worker = worker;
    worker.on("message", (m: ControlReply | ThreadEvent) => {
      if (m?.kind !== "reply") return;
      const w = this.waiting.get(m.id);
      if (w === undefined) return; // answered after its deadline
      this.waiting.delete(m.id);
      clearTimeout(w.timer);
      if (m.ok) w.resolve(m.value);
      else w.reject(new Error(m.error));
    });
    worker.once("exit", (code) => {
      this.exited = `thread ${worker.threadId} exited with code ${code}`;
      for (const w of this.waiting.values()) {
        clearTimeout(w.timer);
        w.reject(new Error(this.exited));
      }
      this.waiting.clear();
    });
  }

  request<T>(op: string, payload: unknown, timeoutMs: number, transfer: Transferable[] = []): Promise<T> {
    if (this.exited !== null) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new ControlTimeoutError(op, this.worker.threadId, timeoutMs));
      }, timeoutMs);
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.worker.postMessage({ kind: "control", id, op, payload } satisfies ControlRequest, transfer);
    });
  }
}

export type ControlHandlers = Record<string, (payload: never) => unknown>;

/** A thread's end: answers each request with its handler's (awaited) result. */
export function serveControl(parent: MessagePort, handlers: ControlHandlers): void {
  parent.on("message", (m: ControlRequest) => {
    if (m?.kind !== "control") return;
    const handler = handlers[m.op];
    if (handler === undefined) {
      parent.postMessage({ kind: "reply", id: m.id, ok: false, error: `unknown control op ${m.op}` } satisfies ControlReply);
      return;
    }
    Promise.resolve()
      .then(() => handler(m.payload as never))
      .then(
        (value) => parent.postMessage({ kind: "reply", id: m.id, ok: true, value } satisfies ControlReply),
        (err: unknown) =>
          parent.postMessage({ kind: "reply", id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies ControlReply),
      );
  });
}

/** A thread reports an event to the supervisor. */
export function postEvent(parent: MessagePort, type: string, fields: Record<string, unknown> = {}): void {
  parent.postMessage({ kind: "event", type, ...fields } satisfies ThreadEvent);
}
