import { threadId } from "node:worker_threads";
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import type { LogFormat, LogLevel } from "./server-config.ts";

export type { Logger } from "pino";

/**
 * One logger per thread, tagged with its role and thread id, writing JSON to
 * stdout (pino's sync destination: a crash must not lose its last line).
 */
export function createLogger(role: string, level: LogLevel, format: LogFormat = "json"): Logger {
  const base = { role, thread: threadId, pid: process.pid };
  if (format === "pretty") {
    // A stream in this thread, not a pino transport: transports resolve a
    // worker file by path at run time, which a bundled dist/ cannot offer.
    return pino({ level, base }, pretty({ destination: 1, sync: true }));
  }
  return pino({ level, base }, pino.destination({ dest: 1, sync: true }));
}
