import type { ChangeRow, FeedHub, FeedSnapshot, FeedSource } from "@pkgindex/feed";
import type { Client, ClientConfig } from "pg";
import { describe } from "./pg-errors.ts";
import { clientConfig, openWithRetry, type PostgresStoreOptions } from "./postgres-store.ts";
import { CHANGES_CHANNEL } from "./schema.ts";

export interface PostgresFeedOptions extends Omit<PostgresStoreOptions, "allowCycles" | "commitTimeoutMillis"> {
  /**
   * The fold and log to keep (a new FeedHub with the node's retention).
   * Passed in rather than made here, so that this package loads nothing of
   * @pkgindex/feed on a node that serves no feed.
   */
  hub: FeedHub;
  /** How often to look for changes without a notification; default 2,000 ms. */
  pollMillis?: number;
  /** Told of what the source recovered from (for a log line). */
  onEvent?: (event: PostgresFeedEvent) => void;
}

export interface PostgresFeedEvent {
  /**
   * lost: the connection went (the source reconnects by itself); reconnected:
   * it is back and catching up; resynced: the history it needed was pruned
   * before it read it, so it started again from a snapshot (streams behind
   * are cut off and their clients resync too); failed: a reconnect round
   * gave up (another follows).
   */
  kind: "lost" | "reconnected" | "resynced" | "failed";
  reason: string;
  revision: number;
}

const DEFAULT_POLL_MILLIS = 2_000;
/** Rows per read of pkgindex.changes: a long history never sits in one result. */
const PAGE = 4096;
/** Between two reconnect rounds (each retries with backoff up to the connect timeout). */
const RECONNECT_PAUSE_MILLIS = 500;

// Revisions as numbers (bigint arrives as text); at as ms since the epoch.
const SELECT_CHANGES = `SELECT c.revision::text, c.command, c.name, c.deps, (extract(epoch FROM c.at) * 1000)::float8
                          FROM pkgindex.changes c WHERE c.revision > $1 ORDER BY c.revision LIMIT ${PAGE}`;
const SELECT_PACKAGES = `SELECT p.name, coalesce(string_agg(d.name, ',' ORDER BY d.name), '')
                           FROM pkgindex.packages p
                           LEFT JOIN pkgindex.edges e ON e.pkg = p.id
                           LEFT JOIN pkgindex.packages d ON d.id = e.dep
                          GROUP BY p.id, p.name`;

type Row = [revision: string, command: string, name: string, deps: string, at: number];

function rowOf(row: Row): ChangeRow {
  return { revision: Number(row[0]), indexed: row[1] === "INDEX", name: row[2], deps: row[3], at: row[4] };
}

/**
 * The change feed of a PostgreSQL node (issue 14): `pkgindex.changes`, read
 * back in revision order. It starts from one consistent snapshot (a
 * REPEATABLE READ transaction: the revision, every package, the retained
 * history), then follows the table for revisions past the last it holds,
 * woken by the NOTIFY that every writer sends at COMMIT, with a slow poll
 * beside it. Writers number changes under the writer lock, so what is
 * committed is always a gap-free prefix of the revisions; a notification
 * is only a wake-up, so one lost while the connection was down costs
 * nothing: on reconnect the source reads everything after its last
 * revision. If that was pruned meanwhile (retention), it starts again from
 * a snapshot: never a silent gap.
 *
 * It keeps the same fold and log as the engine-fed feed (the FeedHub it is
 * given) and serves FeedSource from them: a snapshot asks the database
 * nothing. A CLEAR row (version 1's replacing load) cannot be served as
 * changes: the history restarts after it, as after retention.
 */
export class PostgresFeedSource implements FeedSource {
  readonly #hub: FeedHub;
  readonly #options: PostgresFeedOptions;
  readonly #config: ClientConfig;
  readonly #abort = new AbortController();
  #client: Client | null = null;
  #closed = false;
  #started = false;
  /** Reads, snapshots and connects, one at a time in order: only they change the hub. */
  #tail: Promise<void> = Promise.resolve();
  /** A catch-up is queued on #tail and has not begun. */
  #queued = false;
  #reconnecting = false;
  #poll: NodeJS.Timeout | undefined;

  private constructor(options: PostgresFeedOptions) {
    this.#hub = options.hub;
    this.#options = options;
    this.#config = clientConfig({ ...options, applicationName: options.applicationName ?? "pkgindex-feed" });
  }

  /**
   * Connects (retrying up to connectTimeoutMillis), takes the snapshot and
   * starts following. Rejects as PostgresStore.connect does.
   */
  static async start(options: PostgresFeedOptions): Promise<PostgresFeedSource> {
    const source = new PostgresFeedSource(options);
    try {
      await source.#connect();
    } catch (err) {
      await source.close();
      throw err;
    }
    source.#poll = setInterval(() => source.#wake(), options.pollMillis ?? DEFAULT_POLL_MILLIS);
    source.#poll.unref();
    return source;
  }

  get currentRevision(): number {
    return this.#hub.currentRevision;
  }

  get oldestRetained(): number {
    return this.#hub.oldestRetained;
  }

  changesSince(since: number, limit: number): readonly string[] {
    return this.#hub.changesSince(since, limit);
  }

  snapshot(): FeedSnapshot {
    return this.#hub.snapshot();
  }

  onCommitted(listener: (first: number, last: number) => void): void {
    this.#hub.onCommitted(listener);
  }

  /** Is the listening connection up (false while it reconnects)? */
  get connected(): boolean {
    return this.#client !== null;
  }

  /** Stops following and closes the connection, after the read in progress. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#poll);
    this.#abort.abort(new Error("the change feed is closing"));
    await this.#tail.catch(() => {});
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  /** Opens the connection, LISTENs, then snapshots (the first time) or catches up. */
  async #connect(): Promise<void> {
    const { client } = await openWithRetry(this.#config, { ...this.#options, signal: this.#abort.signal }, async (c) => {
      // Before the snapshot or the catch-up read: a commit after it is either in what is read or notified after.
      await c.query(`LISTEN ${CHANGES_CHANNEL}`);
    });
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    client.on("notification", () => this.#wake());
    client.on("error", (err: Error) => this.#lost(client, err));
    client.on("end", () => this.#lost(client, new Error("the connection ended")));
    this.#client = client;
    await this.#enqueue(async () => {
      if (this.#started) await this.#catchUp(client);
      else await this.#resync(client);
      this.#started = true;
    });
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#tail.then(task);
    this.#tail = run.catch(() => {});
    return run;
  }

  /** Something may have been committed: read it (at most one read queued behind the one running). */
  #wake(): void {
    if (this.#closed || this.#queued || this.#client === null || !this.#started) return;
    this.#queued = true;
    void this.#enqueue(async () => {
      this.#queued = false;
      const client = this.#client;
      if (client === null || this.#closed) return;
      try {
        await this.#catchUp(client);
      } catch (err) {
        this.#lost(client, err);
      }
    });
  }

  /** Reads every change after the last one held, in pages, in order. */
  async #catchUp(client: Client): Promise<void> {
    for (;;) {
      const after = this.#hub.currentRevision;
      const rows = (await client.query<Row>({ text: SELECT_CHANGES, values: [after], rowMode: "array" })).rows;
      if (this.#closed || rows.length === 0) return;
      if (!this.#take(rows)) {
        const first = Number(rows[0][0]);
        await this.#resync(client);
        this.#options.onEvent?.({ kind: "resynced", reason: `revisions after ${after} up to ${first - 1} were pruned before this node read them`, revision: this.#hub.currentRevision });
        continue;
      }
      if (rows.length < PAGE) return;
    }
  }

  /**
   * Appends rows that continue the hub's revisions; false (nothing taken
   * from the first row not continuing them on) when the history has a gap
   * there: what the hub needs next was pruned.
   */
  #take(rows: readonly Row[]): boolean {
    let run: ChangeRow[] = [];
    let expected = this.#hub.currentRevision + 1;
    for (const row of rows) {
      const change = rowOf(row);
      if (change.revision !== expected) {
        this.#hub.appendRows(run);
        return false;
      }
      expected++;
      if (row[1] === "CLEAR") {
        this.#hub.appendRows(run);
        run = [];
        this.#hub.start(change.revision, [], []);
      } else {
        run.push(change);
      }
    }
    this.#hub.appendRows(run);
    return true;
  }

  /** Starts the hub again from one consistent snapshot: the revision, every package, the retained history. */
  async #resync(client: Client): Promise<void> {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    let revision: number;
    let packages: [string, string][];
    let history: ChangeRow[] = [];
    try {
      revision = Number((await client.query<[string]>({ text: "SELECT revision::text FROM pkgindex.meta", rowMode: "array" })).rows[0][0]);
      packages = (await client.query<[string, string]>({ text: SELECT_PACKAGES, rowMode: "array" })).rows;
      // Only what the retention by count would keep is read (another node may keep more).
      const keep = this.#options.retention?.revisions;
      let after = keep === undefined ? 0 : Math.max(0, revision - keep);
      for (;;) {
        const rows = (await client.query<Row>({ text: SELECT_CHANGES, values: [after], rowMode: "array" })).rows;
        for (const row of rows) {
          const change = rowOf(row);
          // The history served is the gap-free run that ends at the snapshot, after any CLEAR.
          if (row[1] === "CLEAR") history = [];
          else if (history.length > 0 && change.revision !== history.at(-1)!.revision + 1) history = [change];
          else history.push(change);
          after = change.revision;
        }
        if (rows.length < PAGE) break;
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    }
    if (history.length > 0 && history.at(-1)!.revision !== revision) history = [];
    this.#hub.start(revision, packages, history);
  }

  /** The connection failed or ended: forget it and reconnect (the catch-up read after it misses nothing). */
  #lost(client: Client, err: unknown): void {
    if (this.#client !== client) return;
    this.#client = null;
    void client.end().catch(() => {});
    if (this.#closed) return;
    this.#options.onEvent?.({ kind: "lost", reason: describe(err), revision: this.#hub.currentRevision });
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    try {
      while (!this.#closed) {
        try {
          await this.#connect();
          if (!this.#closed) this.#options.onEvent?.({ kind: "reconnected", reason: "", revision: this.#hub.currentRevision });
          return;
        } catch (err) {
          if (this.#closed) return;
          const client = this.#client;
          if (client !== null) {
            // Connected, but the catch-up failed: that connection is no good either.
            this.#client = null;
            void client.end().catch(() => {});
          }
          this.#options.onEvent?.({ kind: "failed", reason: describe(err), revision: this.#hub.currentRevision });
          await new Promise((resolve) => setTimeout(resolve, RECONNECT_PAUSE_MILLIS));
        }
      }
    } finally {
      this.#reconnecting = false;
    }
  }
}
