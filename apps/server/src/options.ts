import os from "node:os";
import path from "node:path";
import { AddressRanges, listEntries, WriterRules } from "@pkgindex/access";
import { PkgIndexError } from "@pkgindex/errors";
import { parseRetention } from "./retention-option.ts";
import type { LogFormat, LogLevel, ServerConfig } from "@pkgindex/runtime";

// One definition per flag: yargs reads it (and PKGINDEX_<FLAG> env vars),
// then validateServeOptions checks every value once, naming the flag.
export const SERVE_OPTIONS = {
  host: { type: "string", default: "0.0.0.0", describe: "Address to listen on (0.0.0.0: every IPv4 interface)" },
  port: { type: "number", default: 8080, describe: "TCP port for clients (0: any free port, logged at start)" },
  workers: {
    type: "string",
    default: "auto",
    describe: "I/O worker threads: 0 runs everything on one thread; N >= 1 adds a state-owner thread; auto: 0 on 1-2 cores, else cores - 1 (at most 12 with --reads local, 8 with --reads owner)",
  },
  reads: {
    type: "string",
    default: "local",
    choices: ["local", "owner"],
    describe: "Worker mode: local answers QUERY, and INDEX/REMOVE that change nothing, in the I/O worker from the shared read view; owner sends every command to the state owner (the pure actor path, for comparison)",
  },
  store: {
    type: "string",
    default: "sqlite",
    choices: ["sqlite", "memory", "postgres"],
    describe: "Where the index is kept: sqlite (durable, in --data-dir), memory (lost at exit), or postgres (shared by every node on --postgres-url)",
  },
  "postgres-url": {
    type: "string",
    describe: "With --store postgres: a libpq URI (postgresql://user@host:5432/db?sslmode=require); what it leaves out comes from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ... and ~/.pgpass",
  },
  "store-connect-timeout": {
    type: "number",
    default: 30,
    describe: "With --store postgres: seconds to keep retrying an unreachable database (at start-up, /readyz 503 meanwhile; then exit 1), and after a lost connection",
  },
  "data-dir": { type: "string", default: "./data", describe: "Directory of the SQLite database (created if missing)" },
  sync: { type: "string", default: "full", choices: ["full", "normal", "off"], describe: "SQLite synchronous setting: full survives power loss; normal survives a process crash; off trusts the OS" },
  "max-line-bytes": { type: "number", default: 65536, describe: "Longest request line accepted; a longer one gets ERROR and the connection is closed" },
  "proxy-protocol": { type: "string", default: "off", choices: ["off", "v1", "v2", "any"], describe: "Require a PROXY protocol header (HAProxy, cloud TCP load balancers) at the start of each connection: v1 text, v2 binary, or any" },
  "proxy-header-timeout": { type: "number", default: 5, describe: "Seconds a connection has to send its complete PROXY header before it is closed" },
  "proxy-trusted": { type: "string", default: "", describe: "Comma-separated CIDR ranges of the balancers allowed to send PROXY headers; a peer outside them is refused (empty: any peer)" },
  "tls-port": { type: "number", describe: "TLS port beside --port (0: any free port, logged at start); needs --tls-cert and --tls-key" },
  "tls-only": { type: "boolean", default: false, describe: "Serve only the TLS port: no plain TCP listener" },
  "tls-cert": { type: "string", describe: "PEM certificate file for the TLS port (the chain, leaf first, may follow in the same file)" },
  "tls-key": { type: "string", describe: "PEM private key file of --tls-cert (unencrypted)" },
  "tls-ca": { type: "string", describe: "PEM file of the CA(s) that client certificates must chain to" },
  "tls-client-auth": { type: "string", default: "off", choices: ["off", "optional", "require"], describe: "Client certificates: off (not asked for), optional (verified when given), require (handshake fails without a valid one)" },
  "tls-handshake-timeout": { type: "number", default: 10, describe: "Seconds a connection has to finish its TLS handshake before it is closed" },
  writers: { type: "string", default: "*", describe: "Who may INDEX and REMOVE: comma-separated cn:NAME (client-certificate CN or SAN) and CIDR ranges; * lets everyone. Others may only QUERY" },
  "allow-cycles": { type: "boolean", default: false, describe: "Accept INDEX lists that close a dependency cycle" },
  "max-pending-replies": { type: "number", default: 1024, describe: "Replies a connection may owe before the server stops reading from it" },
  "max-write-buffer": { type: "number", default: 1048576, describe: "Bytes queued to a slow client before the server stops reading from it" },
  "max-connections": { type: "number", default: 10000, describe: "Open client connections allowed in all; beyond it new ones are closed at once (0: no limit)" },
  "idle-timeout": { type: "number", default: 0, describe: "Seconds a connection may go without sending a complete line (and owed nothing) before it is closed (0: never, like Redis)" },
  "line-timeout": { type: "number", default: 60, describe: "Seconds a request line may take from its first byte to its newline before the connection is closed (0: never; as nginx's client_header_timeout)" },
  "drain-delay": { type: "number", default: 0, describe: "On SIGTERM/SIGINT: seconds between readiness turning 503 and the listeners closing (give the load balancer time to notice)" },
  "drain-timeout": { type: "number", default: 30, describe: "Seconds the whole drain may take; past it the process exits 1" },
  "admin-host": { type: "string", describe: "Address of the admin HTTP server (/livez, /readyz, /metrics, /backup) [default: --host]" },
  "admin-port": { type: "number", default: 9090, describe: "Port of the admin HTTP server (0: no admin server)" },
  "feed-port": { type: "number", default: 0, describe: "Port of the change feed HTTP server (GET /v1/changes, GET /v1/snapshot) for mirrors and caches (0: no feed)" },
  "feed-host": { type: "string", describe: "Address of the change feed (default: --host)" },
  "feed-retention": {
    type: "string",
    default: "100000",
    describe: "Change history kept for the feed, in the store and in memory: a count of revisions (100000) or an age (90s, 30m, 1h, 7d); older revisions get 410 Gone",
  },
  "feed-max-buffer": { type: "number", default: 1048576, describe: "Bytes a feed stream may have unsent before the server waits for it to drain" },
  "feed-stall-timeout": { type: "number", default: 30, describe: "Seconds a feed stream may stay over --feed-max-buffer before it is cut off (it can resume from its last revision)" },
  "log-level": { type: "string", default: "info", choices: ["fatal", "error", "warn", "info", "debug", "trace", "silent"], describe: "Log level" },
  "log-format": { type: "string", default: "json", choices: ["json", "pretty"], describe: "json (one object per line) or pretty (for people)" },
  "test-hooks": { type: "boolean", default: false, hidden: true, describe: "Test only: SIGUSR2 crashes I/O worker 1, SIGWINCH the state owner (SIGHUP reloads TLS)" },
} as const;

export interface RawServeOptions {
  host: string;
  port: number;
  workers: string;
  reads: string;
  store: string;
  postgresUrl?: string;
  storeConnectTimeout: number;
  dataDir: string;
  sync: string;
  maxLineBytes: number;
  allowCycles: boolean;
  proxyProtocol: string;
  proxyHeaderTimeout: number;
  proxyTrusted: string;
  tlsPort: number | undefined;
  tlsOnly: boolean;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  tlsCa: string | undefined;
  tlsClientAuth: string;
  tlsHandshakeTimeout: number;
  writers: string;
  maxPendingReplies: number;
  maxWriteBuffer: number;
  maxConnections: number;
  idleTimeout: number;
  lineTimeout: number;
  drainDelay: number;
  drainTimeout: number;
  /** Unset: the same address as --host (an admin server is never more exposed than the service). */
  adminHost?: string;
  adminPort: number;
  feedPort: number;
  feedHost?: string;
  feedRetention: string;
  feedMaxBuffer: number;
  feedStallTimeout: number;
  logLevel: string;
  logFormat: string;
  testHooks: boolean;
}

export function bad(option: string, reason: string): PkgIndexError {
  return new PkgIndexError("PKGI_BAD_OPTION", { option, reason });
}

export function seconds(option: string, value: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > max) {
    throw bad(option, `expected seconds from 0 to ${max}, got ${Number.isNaN(value) ? "a non-number" : value}`);
  }
  return Math.round(value * 1000);
}

function positiveSeconds(option: string, value: number, max: number): number {
  const ms = seconds(option, value, max);
  if (ms === 0) throw bad(option, "expected more than 0 seconds");
  return ms;
}

export function integer(option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw bad(option, `expected a whole number from ${min} to ${max}, got ${Number.isNaN(value) ? "a non-number" : value}`);
  }
  return value;
}

/**
 * The --workers auto rule (evidence: docs/DECISIONS.md, "Issue 11: the
 * --workers auto rule"). On two cores the single thread wins: an I/O worker
 * and the state owner compete for the same two cores (with any client on
 * the box), and every hop wakes a thread, which costs more CPU than it
 * frees. From three cores on, one core is left to the state owner and every
 * other core runs an I/O worker, up to where the state owner saturates:
 * with --reads local it sees only mutations and about 12 I/O workers fill
 * it; with --reads owner every QUERY reaches it too and about 8 do.
 */
export function autoWorkers(cores: number = os.availableParallelism(), reads: ServerConfig["reads"] = "local"): number {
  if (cores <= 2) return 0;
  return Math.min(reads === "local" ? 12 : 8, cores - 1);
}

/**
 * Refuses what pg would misread or fail on later (as a stack, not a line
 * naming the flag). pg reads URIs only: a libpq key=value string would be
 * taken as a database name, so it is refused here.
 */
export function checkPostgresUrl(value: unknown): void {
  const example = "expected a URI such as postgresql://user@host:5432/database (or leave it out to use the PG* environment variables)";
  if (typeof value !== "string" || !/^postgres(ql)?:\/\//i.test(value)) throw bad("postgres-url", example);
  if (!URL.canParse(value)) throw bad("postgres-url", `not a valid URI; ${example}`);
}

export function validateServeOptions(raw: RawServeOptions): ServerConfig {
  if (typeof raw.host !== "string" || raw.host.trim() === "") throw bad("host", "expected an address");
  if (raw.adminHost !== undefined && (typeof raw.adminHost !== "string" || raw.adminHost.trim() === "")) throw bad("admin-host", "expected an address");
  if (raw.feedHost !== undefined && (typeof raw.feedHost !== "string" || raw.feedHost.trim() === "")) throw bad("feed-host", "expected an address");
  const retention = parseRetention(String(raw.feedRetention));
  if (typeof retention === "string") throw bad("feed-retention", retention);
  const port = integer("port", raw.port, 0, 65535);
  const adminPort = integer("admin-port", raw.adminPort, 0, 65535);
  const feedPort = integer("feed-port", raw.feedPort, 0, 65535);
  if (feedPort !== 0 && (feedPort === port || feedPort === adminPort)) {
    throw bad("feed-port", `${feedPort} is already the ${feedPort === port ? "--port" : "--admin-port"}; the feed needs its own port`);
  }
  let workers: number;
  if (raw.workers === "auto") workers = autoWorkers(os.availableParallelism(), raw.reads as ServerConfig["reads"]);
  else if (/^\d+$/.test(String(raw.workers))) workers = integer("workers", Number(raw.workers), 0, 64);
  else throw bad("workers", `expected auto or a whole number from 0 to 64, got ${JSON.stringify(raw.workers)}`);
  const proxyProtocol = raw.proxyProtocol as ServerConfig["proxyProtocol"];
  const { tlsPort, tls } = validateTls(raw, port);
  let proxyTrusted: readonly string[];
  try {
    proxyTrusted = new AddressRanges(listEntries(raw.proxyTrusted ?? "")).entries;
  } catch (err) {
    throw bad("proxy-trusted", (err as Error).message);
  }
  if (proxyTrusted.length > 0 && proxyProtocol === "off") throw bad("proxy-trusted", "it needs --proxy-protocol (no PROXY headers are read without it)");
  let writers: WriterRules;
  try {
    writers = WriterRules.parse(raw.writers ?? "*");
  } catch (err) {
    throw bad("writers", (err as Error).message);
  }
  if (writers.hasAddressRules && proxyProtocol !== "off" && proxyTrusted.length === 0) {
    throw bad("writers", "address rules with --proxy-protocol need --proxy-trusted, or any peer could claim a writer's address in a PROXY header");
  }
  const store = raw.store as ServerConfig["store"];
  if (raw.postgresUrl !== undefined && store !== "postgres") throw bad("postgres-url", "only used with --store postgres");
  if (raw.postgresUrl !== undefined) checkPostgresUrl(raw.postgresUrl);
  return {
    host: raw.host,
    port,
    plainListener: !raw.tlsOnly,
    tlsPort,
    tls,
    writers: listEntries(raw.writers ?? "*"),
    proxyTrusted: [...proxyTrusted],
    workers,
    // With PostgreSQL no node's memory is the index: QUERY goes to the
    // database like every command, so there is no read view to answer from
    // (docs/DECISIONS.md, issue 13).
    reads: store === "postgres" ? "owner" : (raw.reads as ServerConfig["reads"]),
    store,
    postgresUrl: raw.postgresUrl,
    storeConnectTimeoutMs: seconds("store-connect-timeout", raw.storeConnectTimeout, 86_400),
    dataDir: path.resolve(raw.dataDir),
    sync: raw.sync as ServerConfig["sync"],
    maxLineBytes: integer("max-line-bytes", raw.maxLineBytes, 64, 64 * 1024 * 1024),
    allowCycles: raw.allowCycles,
    proxyProtocol,
    proxyHeaderTimeoutMs: positiveSeconds("proxy-header-timeout", raw.proxyHeaderTimeout, 3600),
    maxPendingReplies: integer("max-pending-replies", raw.maxPendingReplies, 1, 1_000_000),
    maxWriteBuffer: integer("max-write-buffer", raw.maxWriteBuffer, 1024, 1024 * 1024 * 1024),
    maxConnections: integer("max-connections", raw.maxConnections, 0, 1_000_000),
    idleTimeoutMs: seconds("idle-timeout", raw.idleTimeout, 86_400),
    lineTimeoutMs: seconds("line-timeout", raw.lineTimeout, 86_400),
    drainDelayMs: seconds("drain-delay", raw.drainDelay, 3600),
    drainTimeoutMs: seconds("drain-timeout", raw.drainTimeout, 3600),
    adminHost: raw.adminHost ?? raw.host,
    adminPort,
    retention,
    feedHost: raw.feedHost ?? raw.host,
    feedPort,
    feedMaxBuffer: integer("feed-max-buffer", raw.feedMaxBuffer, 1024, 1024 * 1024 * 1024),
    feedStallTimeoutMs: positiveSeconds("feed-stall-timeout", raw.feedStallTimeout, 3600),
    logLevel: raw.logLevel as LogLevel,
    logFormat: raw.logFormat as LogFormat,
    testHooks: raw.testHooks,
  };
}

/** The TLS flags, checked together: what needs what. */
function validateTls(raw: RawServeOptions, port: number): Pick<ServerConfig, "tlsPort" | "tls"> {
  if (raw.tlsPort === undefined) {
    for (const [option, value] of [["tls-cert", raw.tlsCert], ["tls-key", raw.tlsKey], ["tls-ca", raw.tlsCa]] as const) {
      if (value !== undefined) throw bad(option, "it needs --tls-port");
    }
    if (raw.tlsOnly) throw bad("tls-only", "it needs --tls-port");
    if (raw.tlsClientAuth !== undefined && raw.tlsClientAuth !== "off") throw bad("tls-client-auth", "it needs --tls-port");
    return { tlsPort: null, tls: null };
  }
  const tlsPort = integer("tls-port", raw.tlsPort, 0, 65535);
  if (!raw.tlsOnly && tlsPort !== 0 && tlsPort === port) throw bad("tls-port", `it is the same port as --port (${port})`);
  if (raw.tlsCert === undefined || raw.tlsCert === "") throw bad("tls-cert", "--tls-port needs a certificate file");
  if (raw.tlsKey === undefined || raw.tlsKey === "") throw bad("tls-key", "--tls-port needs a private key file");
  const clientAuth = (raw.tlsClientAuth ?? "off") as NonNullable<ServerConfig["tls"]>["clientAuth"];
  const caFile = raw.tlsCa === undefined || raw.tlsCa === "" ? null : path.resolve(raw.tlsCa);
  if (clientAuth !== "off" && caFile === null) throw bad("tls-client-auth", `${clientAuth} needs --tls-ca (the CA client certificates must chain to)`);
  if (clientAuth === "off" && caFile !== null) throw bad("tls-ca", "it is used only with --tls-client-auth optional or require");
  return {
    tlsPort,
    tls: {
      // Absolute, so a reload after a chdir still finds them.
      files: { certFile: path.resolve(raw.tlsCert), keyFile: path.resolve(raw.tlsKey), caFile },
      clientAuth,
      handshakeTimeoutMs: positiveSeconds("tls-handshake-timeout", raw.tlsHandshakeTimeout ?? 10, 3600),
    },
  };
}
