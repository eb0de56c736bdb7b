import os from "node:os";
import path from "node:path";
import type tls from "node:tls";
import { PkgIndexError } from "@pkgindex/errors";
import { CLIENT_TLS_OPTIONS, clientTlsFromFlags } from "@pkgindex/tls";

// `pkgindex client` flags, in the style of SERVE_OPTIONS: --host and --port
// name the same things as for serve (and read the same PKGINDEX_HOST and
// PKGINDEX_PORT), seen from the other end.
export const CLIENT_OPTIONS = {
  host: { type: "string", default: "127.0.0.1", describe: "Address of the server" },
  port: { type: "number", default: 8080, describe: "Port of the server" },
  timeout: { type: "number", default: 10, describe: "Seconds to wait for each reply (0: no limit)" },
  "history-file": {
    type: "string",
    default: path.join(os.homedir(), ".pkgindex_history"),
    describe: "Where the interactive prompt keeps its history (empty: keep none)",
  },
  ...CLIENT_TLS_OPTIONS,
} as const;

export interface RawClientOptions {
  request?: string[];
  /** yargs' leftovers: the command name, then the words after `--`. */
  _?: (string | number)[];
  host: string;
  port: number;
  timeout: number;
  historyFile: string;
  tls?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
}

export interface ClientCommandConfig {
  /** The words of a one-shot request; empty: read requests from stdin. */
  request: string[];
  host: string;
  port: number;
  timeoutMs: number;
  historyFile: string;
  /** undefined: plain TCP. */
  tls: tls.ConnectionOptions | undefined;
}

function bad(option: string, reason: string): PkgIndexError {
  return new PkgIndexError("PKGI_BAD_OPTION", { option, reason });
}

export function validateClientOptions(raw: RawClientOptions): ClientCommandConfig {
  if (typeof raw.host !== "string" || raw.host.trim() === "") throw bad("host", "expected an address");
  if (!Number.isInteger(raw.port) || raw.port < 1 || raw.port > 65535) {
    throw bad("port", `expected a whole number from 1 to 65535, got ${Number.isNaN(raw.port) ? "a non-number" : raw.port}`);
  }
  if (typeof raw.timeout !== "number" || !Number.isFinite(raw.timeout) || raw.timeout < 0 || raw.timeout > 86_400) {
    throw bad("timeout", `expected seconds from 0 to 86400, got ${Number.isNaN(raw.timeout) ? "a non-number" : raw.timeout}`);
  }
  return {
    request: [...(raw.request ?? []), ...(raw._ ?? []).slice(1)].map(String),
    host: raw.host,
    port: raw.port,
    timeoutMs: Math.round(raw.timeout * 1000),
    historyFile: raw.historyFile,
    tls: clientTlsFromFlags(raw),
  };
}
