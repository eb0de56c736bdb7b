import { threadId } from "node:worker_threads";
import pino, { type Logger } from "pino";
import type { LogFormat, LogLevel } from "./server-config.ts";

export type { Logger } from "pino";

/**
 * One logger per thread, tagged with its role and thread id, writing JSON to
 * stdout (pino's sync destination: a crash must not lose its last line).
 * Async only because pino-pretty is loaded when asked for: every thread
 * would otherwise carry its code and state (about 2 MiB) for JSON logs.
 */
export async function createLogger(role: string, level: LogLevel, format: LogFormat = "json"): Promise<Logger> {
  const base = { role, thread: threadId, pid: process.pid };
  if (format === "pretty") {
    // A stream in this thread, not a pino transport: transports resolve a
    // worker file by path at run time, which a bundled dist/ cannot offer.
    const { default: pretty } = await import("pino-pretty");
    return pino({ level, base }, pretty({ destination: 1, sync: true }));
  }
  return pino({ level, base }, pino.destination({ dest: 1, sync: true }));
}
