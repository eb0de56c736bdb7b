import type tls from "node:tls";
import { PkgIndexClientError } from "./pkgindex-client-error.ts";

export interface ReconnectOptions {
  /** Connection attempts after the first failed one before queued requests are rejected. Default 10. */
  retries?: number;
  /** Delay before the first retry; each next one doubles. Default 50 ms. */
  minDelayMs?: number;
  /** Upper bound of the doubling delay. Default 2,000 ms. */
  maxDelayMs?: number;
}

export interface ClientOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080, as `pkgindex serve`. */
  port?: number;
  /** Longest wait for a reply, counted from the call; 0: no limit. Default 10,000 ms. */
  timeoutMs?: number;
  /** Longest wait for one TCP connect attempt. Default 5,000 ms. */
  connectTimeoutMs?: number;
  reconnect?: ReconnectOptions;
  /** Longest request line sent; the server's --max-line-bytes (default 65536). */
  maxLineBytes?: number;
  /**
   * Connect over TLS (to the server's --tls-port) with these tls.connect
   * options: `ca`, `cert`/`key` for a client certificate, `servername`.
   * The connect timeout then covers the handshake too.
   */
  tls?: tls.ConnectionOptions;
}

/** ClientOptions with every default filled in and every value checked. */
export interface ResolvedClientOptions {
  host: string;
  port: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  maxLineBytes: number;
  /** null: plain TCP. */
  tls: tls.ConnectionOptions | null;
}

function bad(option: string, reason: string): PkgIndexClientError {
  return new PkgIndexClientError("PKGI_CLIENT_BAD_OPTION", { option, reason });
}

function whole(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw bad(option, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

// A day: longer timeouts are surely a unit mistake (seconds for ms), and
// setTimeout itself cannot wait past about 24.8 days.
const MAX_MS = 86_400_000;

export function resolveClientOptions(options: ClientOptions = {}): ResolvedClientOptions {
  if (typeof options !== "object" || options === null) throw bad("options", "expected an object");
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host.trim() === "") throw bad("host", "expected a host name or address");
  const reconnect = options.reconnect ?? {};
  if (typeof reconnect !== "object" || reconnect === null) throw bad("reconnect", "expected an object");
  const minDelayMs = whole("reconnect.minDelayMs", reconnect.minDelayMs, 50, 0, MAX_MS);
  const maxDelayMs = whole("reconnect.maxDelayMs", reconnect.maxDelayMs, Math.max(2_000, minDelayMs), 0, MAX_MS);
  if (maxDelayMs < minDelayMs) throw bad("reconnect.maxDelayMs", `expected at least reconnect.minDelayMs (${minDelayMs}), got ${maxDelayMs}`);
  return {
    host,
    port: whole("port", options.port, 8080, 1, 65535),
    timeoutMs: whole("timeoutMs", options.timeoutMs, 10_000, 0, MAX_MS),
    connectTimeoutMs: whole("connectTimeoutMs", options.connectTimeoutMs, 5_000, 1, MAX_MS),
    retries: whole("reconnect.retries", reconnect.retries, 10, 0, 1_000_000),
    minDelayMs,
    maxDelayMs,
    maxLineBytes: whole("maxLineBytes", options.maxLineBytes, 65_536, 64, 64 * 1024 * 1024),
    tls: tlsOption(options.tls),
  };
}

function tlsOption(value: unknown): tls.ConnectionOptions | null {
  if (value === undefined) return null;
  if (typeof value !== "object" || value === null) throw bad("tls", "expected tls.connect options (an object)");
  return value as tls.ConnectionOptions;
}
