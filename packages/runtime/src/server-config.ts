import type { ProxyMode } from "@pkgindex/proxy-protocol";
import type { ChangeRetention, StoreKind, SyncMode } from "@pkgindex/store";
import type { ClientAuth, ServerTlsFiles } from "@pkgindex/tls";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export type LogFormat = "json" | "pretty";

/** Everything a server needs, validated once by the CLI. */
export interface ServerConfig {
  host: string;
  /** The plain TCP port (0: any free port). */
  port: number;
  /** false (--tls-only): no plain listener, only the TLS one. */
  plainListener: boolean;
  /** The TLS port (0: any free port); null: no TLS listener. */
  tlsPort: number | null;
  /** Certificate, key and CA files, client-certificate policy and handshake bound; null without --tls-port. */
  tls: TlsSettings | null;
  /** --writers entries: `*`, `cn:NAME` or address ranges (validated). */
  writers: string[];
  /** --proxy-trusted address ranges (validated); empty: every peer may send a PROXY header. */
  proxyTrusted: string[];
  /** 0: one thread does everything; N: N I/O workers plus a state owner. */
  workers: number;
  /** Worker mode: `local` lets I/O workers answer QUERY from the shared read view; `owner` sends every command to the state owner. */
  reads: "local" | "owner";
  /** postgres: the index lives in PostgreSQL, shared by every node (RemoteEngine). */
  store: StoreKind | "postgres";
  /** --postgres-url; undefined: the libpq PG* environment variables alone. */
  postgresUrl: string | undefined;
  /** How long connecting to PostgreSQL (at start and after a loss) may retry. */
  storeConnectTimeoutMs: number;
  dataDir: string;
  sync: SyncMode;
  maxLineBytes: number;
  /** PROXY protocol header required at the start of each connection. */
  proxyProtocol: ProxyMode;
  proxyHeaderTimeoutMs: number;
  allowCycles: boolean;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Replies a connection may owe before reading from it pauses. */
  maxPendingReplies: number;
  /** Bytes queued for a socket before reading from it pauses. */
  maxWriteBuffer: number;
  /** Open client connections allowed in all; beyond it new ones are closed at once (0: no limit). */
  maxConnections: number;
  /** Close a connection that sent no complete line and is owed nothing for this long (0: never). */
  idleTimeoutMs: number;
  /** Close a connection whose request line, once begun, is not finished within this (0: never). */
  lineTimeoutMs: number;
  /** On SIGTERM, readiness turns 503 at once; listeners close after this delay. */
  drainDelayMs: number;
  /** Bound on the whole drain; past it the server exits with status 1. */
  drainTimeoutMs: number;
  /** Admin HTTP server address; port 0 means no admin server. */
  adminHost: string;
  adminPort: number;
  /** How much change history the store and the feed keep. */
  retention: ChangeRetention;
  /** Change feed HTTP listener; port 0 means no feed. */
  feedHost: string;
  feedPort: number;
  /** Bytes a feed stream may have unsent before the server waits for it to drain. */
  feedMaxBuffer: number;
  /** A feed stream that stays over feedMaxBuffer this long is cut off. */
  feedStallTimeoutMs: number;
  /** Test-only: SIGUSR2 crashes I/O worker 1, so supervision can be tested. */
  testHooks: boolean;
}

export interface TlsSettings {
  files: ServerTlsFiles;
  clientAuth: ClientAuth;
  /** Close a connection whose handshake has not finished within this. */
  handshakeTimeoutMs: number;
}

/** The ports a server listens on; null: that listener is off. */
export interface ListenPorts {
  plain: number | null;
  tls: number | null;
}

/** Limits a connection enforces; the subset of ServerConfig I/O threads need. */
export interface ConnectionLimits {
  proxyProtocol: ProxyMode;
  proxyHeaderTimeoutMs: number;
  maxLineBytes: number;
  maxPendingReplies: number;
  maxWriteBuffer: number;
}
