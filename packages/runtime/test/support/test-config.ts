import { Writable } from "node:stream";
import pino from "pino";
import type { Logger } from "../../src/logger.ts";
import type { ServerConfig } from "../../src/server-config.ts";

/** A valid configuration for in-process tests: loopback, any port, memory store. */
export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    host: "127.0.0.1",
    port: 0,
    plainListener: true,
    tlsPort: null,
    tls: null,
    writers: ["*"],
    proxyTrusted: [],
    workers: 0,
    reads: "local",
    store: "memory",
    postgresUrl: undefined,
    storeConnectTimeoutMs: 10_000,
    dataDir: "",
    sync: "full",
    maxLineBytes: 65536,
    proxyProtocol: "off",
    proxyHeaderTimeoutMs: 5000,
    allowCycles: false,
    logLevel: "silent",
    logFormat: "json",
    maxPendingReplies: 1024,
    maxWriteBuffer: 1 << 20,
    maxConnections: 0,
    idleTimeoutMs: 0,
    lineTimeoutMs: 0,
    drainDelayMs: 0,
    drainTimeoutMs: 5000,
    adminHost: "127.0.0.1",
    adminPort: 0,
    testHooks: false,
    retention: {},
    feedHost: "127.0.0.1",
    feedPort: 0,
    feedMaxBuffer: 1 << 20,
    feedStallTimeoutMs: 30_000,
    ...overrides,
  };
}

/** A logger whose lines the test can wait for. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[]; waitFor(msg: string): Promise<Record<string, unknown>> } {
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve(line: Record<string, unknown>): void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split("\n")) {
        if (text === "") continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i].msg === line.msg) waiters.splice(i, 1)[0].resolve(line);
        }
      }
      done();
    },
  });
  return {
    logger: pino({ level: "debug" }, stream),
    lines,
    waitFor: (msg) => {
      const seen = lines.find((l) => l.msg === msg);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ msg, resolve }));
    },
  };
}
