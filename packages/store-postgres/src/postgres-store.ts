import { PkgIndexError } from "@pkgindex/errors";
import { Client, type ClientConfig, type QueryConfig } from "pg";
import { bulkLoadInto, type PgBulkLoadOptions, type PgBulkLoadStats } from "./bulk-load.ts";
import { dependencyOrder, type ChangeRetention } from "@pkgindex/store";
import { migrate, SchemaRefusal, type MigrationResult } from "./migrate.ts";
import { describe, isDefiniteFailure } from "./pg-errors.ts";

export interface PostgresStoreOptions {
  /**
   * `--postgres-url`: a libpq connection URI (pg reads no key=value strings). Whatever it
   * leaves out comes from the libpq environment variables (PGHOST, PGPORT,
   * PGUSER, PGPASSWORD, PGDATABASE, ...) and ~/.pgpass, which pg reads; with
   * no string at all, from those alone.
   */
  connectionString?: string;
  /**
   * How long connect() (and a reconnect after a lost connection) keeps
   * retrying, in milliseconds, before it gives up with
   * PKGI_PG_CONNECT_FAILED. Containers start before their database. Default
   * 30,000; 0 tries once (each attempt gets at least 1 s to connect).
   */
  connectTimeoutMillis?: number;
  /** Accept INDEX lists that close a cycle (`--allow-cycles`). */
  allowCycles?: boolean;
  /** Told before each wait between attempts (for a log line and `/readyz`). */
  onRetry?: (info: RetryInfo) => void;
  /** Aborts a connect() or reconnect that is waiting for the database. */
  signal?: AbortSignal;
  /** application_name shown in pg_stat_activity. Default "pkgindex". */
  applicationName?: string;
  /**
   * How long applyBatch waits for its reply, in milliseconds, before it
   * gives the connection up and reports PKGI_PG_COMMIT_UNKNOWN (the batch
   * may still commit: the server is not told). Without it a network
   * partition holds a batch until TCP gives up, which on Linux takes about
   * 15 minutes. Default 0: no limit (the caller decides; the writer lock
   * makes a batch wait for other nodes' batches, so keep it well above
   * their latency).
   */
  commitTimeoutMillis?: number;
  /** The change history kept (`--feed-retention`), pruned by each batch that records changes; default: all. */
  retention?: ChangeRetention;
}

export interface RetryInfo {
  attempt: number;
  delayMillis: number;
  reason: string;
}

export interface PgLoadStats {
  packages: number;
  edges: number;
  millis: number;
  /** Packages passed to onPackage before some dependency (only if the stored graph has a cycle); they come last. */
  unordered: number;
  /** The revision the loaded snapshot is at. */
  revision: number;
}

/** One package and its dependencies: the shape of @pkgindex/store's BrewEntry. */
export interface PgEntry {
  name: string;
  deps: string[];
}

const DEFAULT_CONNECT_TIMEOUT = 30_000;
const FIRST_DELAY = 100;
const MAX_DELAY = 2_000;
const ATTEMPT_FLOOR = 1_000;

function sleep(millis: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, millis);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** pg's settings for a connection of `options`. */
export function clientConfig(options: PostgresStoreOptions): ClientConfig {
  return {
    connectionString: options.connectionString,
    application_name: options.applicationName ?? "pkgindex",
    // Detect a silently dead peer (a crashed host, a dropped NAT entry).
    keepAlive: true,
  };
}

/** user@host:port/database of a client's settings: names the database in messages, never the password. */
export function targetOf(config: ClientConfig): string {
  const probe = new Client(config);
  return `${probe.user ?? "?"}@${probe.host}:${probe.port}/${probe.database ?? "?"}`;
}

/**
 * The PostgreSQL store (DESIGN.md §4, issue 13): the database is the state
 * and enforces the invariants; one batch is one call of pkgindex.apply, one
 * round trip and one transaction. One connection, used by one operation at a
 * time in call order (a batch is answered before the next is sent, so the
 * commit order of one node's batches is its call order).
 *
 * Errors, all PkgIndexError:
 * - PKGI_PG_COMMIT_UNKNOWN (applyBatch, bulkLoad): the connection was lost
 *   or the server failed in a way that does not say whether the COMMIT
 *   happened. Do not acknowledge the batch, and do not report it failed
 *   either: close the client connections it served, unanswered. The next
 *   call reconnects by itself.
 * - PKGI_PG_COMMIT_FAILED: the server refused the statement; nothing of the
 *   batch is stored, and it may be retried.
 * - PKGI_PG_CONNECT_FAILED: no connection within the connect timeout;
 *   nothing was sent.
 * - PKGI_PG_READ_FAILED (query, load, dumpEntries, revision).
 * - PKGI_PG_NEWER_SCHEMA (connect, reconnect: still newer at the deadline)
 *   / PKGI_PG_SCHEMA (at once).
 */
export class PostgresStore {
  /** user@host:port/database, for messages. */
  readonly target: string;
  readonly allowCycles: boolean;
  readonly #config: ClientConfig;
  readonly #options: PostgresStoreOptions;
  #client: Client | null;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  #batches = 0;
  /** Schema versions at the first connect. */
  readonly migration: MigrationResult;

  private constructor(config: ClientConfig, options: PostgresStoreOptions, client: Client, migration: MigrationResult) {
    this.#config = config;
    this.#options = options;
    this.target = targetOf(config);
    this.allowCycles = options.allowCycles === true;
    this.#client = null;
    this.#adopt(client);
    this.migration = migration;
  }

  /**
   * Connects, sets the session up and migrates the schema, retrying with
   * backoff (100 ms doubling to 2 s) until connectTimeoutMillis. Resolves to
   * a ready store; rejects with PKGI_PG_CONNECT_FAILED naming the last
   * problem, with PKGI_PG_NEWER_SCHEMA if the schema was still newer than
   * this code at the deadline (a rolling deploy or a rollback may end that,
   * so it is retried too), or at once with PKGI_PG_SCHEMA for a schema that
   * is not pkgindex's.
   */
  static async connect(options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const config = clientConfig(options);
    const { client, migration } = await openWithRetry(config, options);
    return new PostgresStore(config, options, client, migration);
  }

  /** Batches committed through applyBatch since connect. */
  get batches(): number {
    return this.#batches;
  }

  /** Is a connection open right now (for `/readyz`)? A lost one is reopened by the next call. */
  get connected(): boolean {
    return this.#client !== null && !this.#closed;
  }

  /**
   * Applies newline-separated protocol lines in order, in one transaction and
   * one round trip, and resolves to one reply code per line (REPLY_OK 0,
   * REPLY_FAIL 1, REPLY_ERROR 2 of @pkgindex/protocol) once PostgreSQL has
   * committed. An empty string is an empty batch. See the class comment for
   * the errors; PKGI_PG_COMMIT_UNKNOWN is the one that must not be answered.
   */
  applyBatch(lines: string): Promise<Uint8Array> {
    return this.#serial(async () => {
      const client = await this.#ensureClient();
      let codes: string;
      try {
        const result = await client.query<[string]>({
          text: "SELECT pkgindex.apply($1, $2, $3, $4)",
          values: [lines, this.allowCycles, this.#options.retention?.revisions ?? null, this.#options.retention?.ageMs ?? null],
          rowMode: "array",
          // pg's per-query read timeout (missing from @types/pg's QueryConfig).
          query_timeout: this.#options.commitTimeoutMillis || undefined,
        } as QueryConfig);
        codes = result.rows[0][0];
      } catch (err) {
        throw this.#commitError(client, err);
      }
      this.#batches++;
      const out = new Uint8Array(codes.length);
      for (let i = 0; i < codes.length; i++) out[i] = codes.charCodeAt(i) - 48;
      return out;
    });
  }

  /** Is `name` indexed? Reads committed data on the primary. */
  query(name: string): Promise<boolean> {
    return this.#read(async (client) => {
      const result = await client.query<[boolean]>({
        text: "SELECT EXISTS (SELECT 1 FROM pkgindex.packages WHERE name = $1)",
        values: [name],
        rowMode: "array",
      });
      return result.rows[0][0];
    });
  }

  /** Packages and edges in the index now (two counts: a scan each, so for metrics scrapes, not per request). */
  indexSize(): Promise<{ packages: number; edges: number }> {
    return this.#read(async (client) => {
      const result = await client.query<[string, string]>({
        text: "SELECT (SELECT count(*) FROM pkgindex.packages), (SELECT count(*) FROM pkgindex.edges)",
        rowMode: "array",
      });
      return { packages: Number(result.rows[0][0]), edges: Number(result.rows[0][1]) };
    });
  }

  /** The revision of the last change applied (0 for an index never changed). */
  revision(): Promise<number> {
    return this.#read(async (client) => {
      const result = await client.query<[string]>({ text: "SELECT revision FROM pkgindex.meta", rowMode: "array" });
      return Number(result.rows[0][0]);
    });
  }

  /**
   * Calls onPackage(name, deps) once per package of one consistent snapshot,
   * each after its dependencies (packages on a cycle, only possible with
   * cycles allowed, come last: `unordered`). `deps` is a fresh array.
   */
  load(onPackage: (name: string, deps: readonly string[]) => void): Promise<PgLoadStats> {
    return this.#read(async (client) => {
      const started = performance.now();
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      let rows: [string, string, string][];
      let revision: number;
      try {
        // One row per package, its dependency ids joined by ',' (no row per
        // edge: a million edges would be a million row arrays).
        rows = (
          await client.query<[string, string, string]>({
            text: `SELECT p.id::text, p.name, coalesce(string_agg(e.dep::text, ','), '')
                     FROM pkgindex.packages p LEFT JOIN pkgindex.edges e ON e.pkg = p.id
                    GROUP BY p.id ORDER BY p.id`,
            rowMode: "array",
          })
        ).rows;
        revision = Number((await client.query<[string]>({ text: "SELECT revision FROM pkgindex.meta", rowMode: "array" })).rows[0][0]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      }
      const count = rows.length;
      const indexOf = new Map<string, number>();
      for (let i = 0; i < count; i++) indexOf.set(rows[i][0], i);
      const depStart = new Int32Array(count + 1);
      const lists: number[] = [];
      for (let i = 0; i < count; i++) {
        depStart[i] = lists.length;
        const deps = rows[i][2];
        if (deps !== "") {
          for (const id of deps.split(",")) {
            const j = indexOf.get(id);
            // Cannot happen: the foreign key keeps every edge's dep a package.
            if (j === undefined) throw new Error(`edge of ${rows[i][1]} to missing package id ${id}`);
            lists.push(j);
          }
        }
      }
      depStart[count] = lists.length;
      const depList = Int32Array.from(lists);
      const { order, ordered } = dependencyOrder({ count, depStart, depList });
      for (let k = 0; k < count; k++) {
        const i = order[k];
        const deps: string[] = [];
        for (let e = depStart[i]; e < depStart[i + 1]; e++) deps.push(rows[depList[e]][1]);
        onPackage(rows[i][1], deps);
      }
      return { packages: count, edges: depList.length, millis: performance.now() - started, unordered: count - ordered, revision };
    });
  }

  /**
   * Every package sorted by name (byte order), each with its dependencies
   * sorted by name: the canonical text of `pkgindex dump` (formatBrew of
   * @pkgindex/store writes it). One consistent snapshot.
   */
  dumpEntries(): Promise<PgEntry[]> {
    return this.#read(async (client) => {
      const result = await client.query<[string, string]>({
        text: `SELECT p.name, coalesce(string_agg(d.name, ',' ORDER BY d.name), '')
                 FROM pkgindex.packages p
                 LEFT JOIN pkgindex.edges e ON e.pkg = p.id
                 LEFT JOIN pkgindex.packages d ON d.id = e.dep
                GROUP BY p.id, p.name ORDER BY p.name`,
        rowMode: "array",
      });
      return result.rows.map(([name, deps]) => ({ name, deps: deps === "" ? [] : deps.split(",") }));
    });
  }

  /**
   * `pkgindex load`: checks the entries completely (names, repeats, missing
   * dependencies, cycles) before writing, then writes them in one
   * transaction under the writer lock. Refuses an index that holds packages
   * unless `replace` (old and new swap in that one transaction). Refusals
   * are PKGI_LOAD_FILE; a failed or unknown commit as for applyBatch.
   */
  bulkLoad(entries: readonly PgEntry[], options: PgBulkLoadOptions = {}): Promise<PgBulkLoadStats> {
    return this.#serial(async () => {
      const client = await this.#ensureClient();
      return bulkLoadInto(client, entries, options, (err, beforeCommit) => this.#commitError(client, err, beforeCommit));
    });
  }

  /** Closes the connection after the operations already called have settled; later calls reject with PKGI_PG_CLOSED. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail.catch(() => {});
    const client = this.#client;
    this.#client = null;
    if (client !== null) await client.end().catch(() => {});
  }

  /** Runs fn after every earlier operation has settled, so operations reach PostgreSQL in call order. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new PkgIndexError("PKGI_PG_CLOSED", { target: this.target }));
    const run = this.#tail.then(fn);
    this.#tail = run.catch(() => {});
    return run;
  }

  #read<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      const client = await this.#ensureClient();
      try {
        return await fn(client);
      } catch (err) {
        if (!isDefiniteFailure(err)) this.#drop(client);
        throw new PkgIndexError("PKGI_PG_READ_FAILED", { target: this.target, reason: describe(err) }, { cause: err });
      }
    });
  }

  /**
   * The error to report for a failed write. `beforeCommit`: the failure came
   * before the COMMIT was sent (an explicit transaction), so nothing is
   * stored even if the connection was lost.
   */
  #commitError(client: Client, err: unknown, beforeCommit = false): PkgIndexError {
    if (err instanceof PkgIndexError) return err;
    const definite = isDefiniteFailure(err);
    if (!definite) this.#drop(client);
    if (definite || beforeCommit) {
      return new PkgIndexError("PKGI_PG_COMMIT_FAILED", { target: this.target, reason: describe(err) }, { cause: err });
    }
    return new PkgIndexError("PKGI_PG_COMMIT_UNKNOWN", { target: this.target, reason: describe(err) }, { cause: err });
  }

  /** Forgets a connection that failed; the next operation opens a new one. */
  #drop(client: Client): void {
    if (this.#client === client) this.#client = null;
    void client.end().catch(() => {});
  }

  async #ensureClient(): Promise<Client> {
    if (this.#client !== null) return this.#client;
    const { client } = await openWithRetry(this.#config, this.#options);
    this.#adopt(client);
    return client;
  }

  #adopt(client: Client): void {
    // A connection that dies while idle emits 'error' (and would crash the
    // process without a listener): forget it, the next call reconnects.
    client.on("error", () => this.#drop(client));
    client.on("end", () => this.#drop(client));
    this.#client = client;
  }
}

/** A store connection's set-up: make the session READ COMMITTED (pkgindex.apply needs it), migrate. */
async function setUpStoreSession(client: Client, target: string): Promise<MigrationResult> {
  await client.query("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED");
  return migrate(client, target);
}

/** One attempt: connect, then `setUp` the session. */
async function openOnce<T>(config: ClientConfig, timeoutMillis: number, target: string, setUp: (client: Client, target: string) => Promise<T>): Promise<{ client: Client; migration: T }> {
  const client = new Client({ ...config, connectionTimeoutMillis: timeoutMillis });
  client.on("error", () => {}); // reported through the pending connect() or query
  try {
    await client.connect();
    const migration = await setUp(client, target);
    return { client, migration };
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
}

/**
 * Connects, retrying with backoff (100 ms doubling to 2 s) until
 * connectTimeoutMillis, then PKGI_PG_CONNECT_FAILED naming the last problem.
 * `setUp` runs on each new connection (default: the store's, which migrates);
 * a SchemaRefusal from it is final.
 */
export async function openWithRetry(config: ClientConfig, options: PostgresStoreOptions): Promise<{ client: Client; migration: MigrationResult }>;
export async function openWithRetry<T>(config: ClientConfig, options: PostgresStoreOptions, setUp: (client: Client, target: string) => Promise<T>): Promise<{ client: Client; migration: T }>;
export async function openWithRetry(
  config: ClientConfig,
  options: PostgresStoreOptions,
  setUp: (client: Client, target: string) => Promise<unknown> = setUpStoreSession,
): Promise<{ client: Client; migration: unknown }> {
  const timeout = options.connectTimeoutMillis ?? DEFAULT_CONNECT_TIMEOUT;
  const target = targetOf(config);
  const deadline = performance.now() + timeout;
  let delay = FIRST_DELAY;
  for (let attempt = 1; ; attempt++) {
    try {
      // Each attempt may use what is left of the deadline, but at least a
      // second: an attempt cut at a few milliseconds could never succeed (so
      // the last one can end up to a second past the deadline).
      return await openOnce(config, Math.max(ATTEMPT_FLOOR, deadline - performance.now()), target, setUp);
    } catch (err) {
      if (err instanceof SchemaRefusal) throw new PkgIndexError(err.code, { ...err.details });
      const remaining = deadline - performance.now();
      const reason = err instanceof PkgIndexError ? err.message : describe(err);
      if (remaining <= 0) {
        // Connected, but the schema is from a newer pkgindex: name that, not a connect failure.
        if (err instanceof PkgIndexError && err.code === "PKGI_PG_NEWER_SCHEMA") throw err;
        throw new PkgIndexError("PKGI_PG_CONNECT_FAILED", { target, seconds: timeout / 1000, reason }, { cause: err });
      }
      const wait = Math.min(delay, remaining);
      options.onRetry?.({ attempt, delayMillis: wait, reason });
      await sleep(wait, options.signal);
      delay = Math.min(delay * 2, MAX_DELAY);
    }
  }
}
