import { isPkgIndexError, PkgIndexError } from "@pkgindex/errors";
import { CommandStats } from "@pkgindex/metrics";
import { CMD_INDEX, CMD_REMOVE, createLineShape, REPLY_ERROR, REPLY_UNANSWERED, scanLine } from "@pkgindex/protocol";
import type { ChangeRetention } from "@pkgindex/store";
import { PostgresStore, type RetryInfo } from "@pkgindex/store-postgres";
import type { Logger } from "./logger.ts";
import type { StoreStatus, StoreStatusListener } from "./store-status.ts";

const NEWLINE = 10;
const INITIAL_BYTES = 64 * 1024;
/**
 * A batch that has grown past either bound while another was at PostgreSQL
 * is sealed and the next one begun: one call stays bounded in the
 * database's memory and time (and in what an unknown outcome leaves
 * unanswered), even after an outage let lines pile up. pkgindex.apply cost
 * at most about 0.4 ms per INDEX line in schema version 1, less in version 2
 * (docs/DECISIONS.md, issue 13; measured on a busy 2-core machine), so
 * 4,096 lines stay well inside COMMIT_TIMEOUT_MS.
 */
const MAX_BATCH_LINES = 4096;
const MAX_BATCH_BYTES = 512 * 1024;
/**
 * How long one batch may wait for PostgreSQL's answer before the node gives
 * up on it (outcome unknown: its clients are closed unanswered). Without it a
 * partitioned database holds a batch until TCP gives up (about 15 minutes).
 * Well above a batch's wait for other nodes' batches behind the writer lock.
 */
const COMMIT_TIMEOUT_MS = 30_000;
/** How often an idle node checks that its database connection is still there (for /readyz). */
const HEALTH_CHECK_MS = 1_000;

/** `pkgindex backup` has nothing to copy on a node: the index is PostgreSQL's. */
export function postgresBackupUnavailable(): PkgIndexError {
  return new PkgIndexError("PKGI_BACKUP_UNAVAILABLE", {
    store: "postgres",
    reason: "the index lives in PostgreSQL: use pkgindex dump --store postgres, pg_dump, or a standby",
  });
}

export interface RemoteEngineOptions {
  /** libpq URI or key=value string; what it leaves out comes from the PG* environment variables. */
  postgresUrl: string | undefined;
  /** How long (re)connecting may retry before the attempt fails. */
  storeConnectTimeoutMs: number;
  allowCycles: boolean;
  /** The change history kept (--feed-retention): each batch that records changes prunes the rest. */
  retention: ChangeRetention;
}

/** Runs once the batch holding everything appended so far is answered, with every code of that batch. */
type Release = (codes: Uint8Array) => void;

/** A batch ready to go: its text for pkgindex.apply, each line's command, and who waits for its codes. */
interface SealedBatch {
  text: string;
  commands: Uint8Array;
  count: number;
  holds: Release[];
}

/**
 * The engine for `--store postgres`: with several nodes on one database no
 * node's memory is authoritative, so nothing is applied here. Every valid
 * line (INDEX, REMOVE and QUERY, in arrival order) goes to PostgreSQL, and
 * the database's order of application is the linearization order of all
 * nodes. One batch is in flight at a time: ONE call of pkgindex.apply, one
 * round trip and one transaction; lines that arrive meanwhile accumulate
 * into the next batch, which leaves as soon as the first is answered.
 * Replies are released from the function's result codes, which exist only
 * after COMMIT, in the order the lines were appended (so in connection
 * order).
 *
 * A batch that fails (the COMMIT outcome is unknown, the server refused it,
 * or no connection could be made) is never acknowledged: every code of it
 * is REPLY_UNANSWERED, which makes the connections it served close without
 * a reply. The node goes on and reconnects by itself; `status` says whether
 * it can serve (for /readyz).
 */
export class RemoteEngine {
  readonly stats = new CommandStats();
  private readonly store: PostgresStore;
  private readonly logger: Logger;
  private readonly shape = createLineShape();
  /** The batch being accumulated: its lines, newline-terminated, and each line's command (for metrics). */
  private lines = Buffer.allocUnsafe(INITIAL_BYTES);
  private length = 0;
  private commands: Uint8Array = new Uint8Array(256);
  private count = 0;
  private holds: Release[] = [];
  /** Batches sealed at MAX_BATCH_LINES or MAX_BATCH_BYTES, oldest first, waiting for the one in flight. */
  private sealed: SealedBatch[] = [];
  /** Command arrays of answered batches, for reuse (steady state allocates none). */
  private spareCommands: Uint8Array[] = [];
  /** A batch (or an idle reconnect probe) is at PostgreSQL. */
  private inFlight = false;
  private scheduled = false;
  private stopping = false;
  private idleWaiters: (() => void)[] = [];
  private current: StoreStatus = { ready: true, reason: "" };
  private size = { packages: 0, edges: 0 };
  private readonly onStatus: StoreStatusListener;
  private readonly healthTimer: NodeJS.Timeout;

  private constructor(store: PostgresStore, logger: Logger, onStatus: StoreStatusListener) {
    this.store = store;
    this.logger = logger;
    this.onStatus = onStatus;
    this.healthTimer = setInterval(() => this.checkHealth(), HEALTH_CHECK_MS);
    this.healthTimer.unref();
  }

  /**
   * Connects (retrying with backoff up to the connect timeout; `onStatus`
   * hears why it is waiting) and migrates the schema. Rejects with the
   * store's PkgIndexError (PKGI_PG_CONNECT_FAILED naming the last problem,
   * PKGI_PG_NEWER_SCHEMA when the schema was still newer at the timeout,
   * PKGI_PG_SCHEMA at once for a foreign one).
   */
  static async open(options: RemoteEngineOptions, logger: Logger, onStatus: StoreStatusListener): Promise<{ engine: RemoteEngine; millis: number }> {
    const started = performance.now();
    let engine: RemoteEngine | null = null;
    const onRetry = (info: RetryInfo): void => {
      const reason = `waiting for PostgreSQL (attempt ${info.attempt}): ${info.reason}`;
      logger.warn({ attempt: info.attempt, delayMillis: info.delayMillis }, reason);
      if (engine === null) onStatus({ ready: false, reason });
      else engine.setStatus(false, reason);
    };
    onStatus({ ready: false, reason: "connecting to PostgreSQL" });
    const store = await PostgresStore.connect({
      connectionString: options.postgresUrl,
      connectTimeoutMillis: options.storeConnectTimeoutMs,
      allowCycles: options.allowCycles,
      retention: options.retention,
      commitTimeoutMillis: COMMIT_TIMEOUT_MS,
      onRetry,
    });
    logger.info({ target: store.target, schema: store.migration }, "connected to PostgreSQL");
    engine = new RemoteEngine(store, logger, onStatus);
    onStatus(engine.current);
    return { engine, millis: performance.now() - started };
  }

  /** Whether this node can serve right now, and if not why. */
  get status(): StoreStatus {
    return this.current;
  }

  /** Packages and edges as last counted by refreshIndexSize (the node itself holds none). */
  get indexSize(): { packages: number; edges: number } {
    return this.size;
  }

  /** indexSize, live, in the shape the layouts read a graph's size in (IndexEngine's graph). */
  readonly graphCounts: { readonly size: number; readonly edgeCount: number } = ((engine: RemoteEngine) => ({
    get size(): number {
      return engine.size.packages;
    },
    get edgeCount(): number {
      return engine.size.edges;
    },
  }))(this);

  /**
   * Counts the database's packages and edges for a metrics scrape, waiting
   * at most `timeoutMs` (behind the batch in flight); on timeout or error
   * the last count stays.
   */
  async refreshIndexSize(timeoutMs: number): Promise<void> {
    if (this.stopping) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    const counted = await Promise.race([this.store.indexSize().catch(() => null), late]);
    clearTimeout(timer);
    if (counted !== null) this.size = counted;
  }

  /** Lines in the batch being accumulated: the index the next appended line gets. */
  get pendingLines(): number {
    return this.count;
  }

  /** Appends one valid line buf[start, end) whose command is `command`; returns its index in the batch. */
  append(buf: Buffer, start: number, end: number, command: number): number {
    if (this.length >= MAX_BATCH_BYTES || this.count >= MAX_BATCH_LINES) this.sealed.push(this.seal());
    const needed = this.length + (end - start) + 1;
    if (needed > this.lines.length) this.growLines(needed);
    buf.copy(this.lines, this.length, start, end);
    this.lines[needed - 1] = NEWLINE;
    this.length = needed;
    return this.addCommand(command);
  }

  /**
   * Appends an I/O worker's batch (newline-separated lines, each ending in
   * `\n`, as ForwardingDispatcher sends them) with one copy, and returns how
   * many lines it held; they take indexes from the `pendingLines` read
   * before the call.
   */
  appendLines(batch: Uint8Array, length: number): number {
    if (length === 0) return 0;
    // Sealed before the append, never after: the caller's hold() that
    // follows must land on the batch that holds these lines.
    if (this.length >= MAX_BATCH_BYTES || this.count >= MAX_BATCH_LINES) this.sealed.push(this.seal());
    const at = this.length;
    const needed = at + length + (batch[length - 1] === NEWLINE ? 0 : 1);
    if (needed > this.lines.length) this.growLines(needed);
    this.lines.set(length === batch.length ? batch : batch.subarray(0, length), at);
    this.lines[needed - 1] = NEWLINE;
    this.length = needed;
    let start = 0;
    let added = 0;
    while (start < length) {
      let nl = batch.indexOf(NEWLINE, start);
      if (nl === -1 || nl > length) nl = length;
      // Workers validated already; the database answers ERROR to anything
      // malformed as well, so this only classifies the line for metrics.
      this.addCommand(scanLine(batch, start, nl, this.shape) === 0 ? this.shape.command : 0);
      added++;
      start = nl + 1;
    }
    return added;
  }

  /** Runs `release` with the codes of the batch being accumulated, once PostgreSQL has answered it (or failed). */
  hold(release: Release): void {
    this.holds.push(release);
  }

  /**
   * Waits for the batch in flight, then closes the connection. Called once
   * every connection is drained or cut off, so lines not yet sent belong to
   * connections that are gone: they are never sent (nothing of them was
   * acknowledged) and are answered REPLY_UNANSWERED. Never rejects:
   * failures were answered unanswered.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.healthTimer);
    const unsent = this.sealed;
    this.sealed = [];
    if (this.count > 0) unsent.push(this.seal());
    for (const batch of unsent) {
      const codes = new Uint8Array(batch.count).fill(REPLY_UNANSWERED);
      for (const release of batch.holds) release(codes);
    }
    if (this.inFlight) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.store.close();
  }

  private addCommand(command: number): number {
    if (this.count === this.commands.length) {
      const grown = new Uint8Array(this.commands.length * 2);
      grown.set(this.commands);
      this.commands = grown;
    }
    this.commands[this.count] = command;
    if (this.count === 0 && !this.inFlight && !this.scheduled && !this.stopping) {
      this.scheduled = true;
      // The end of this event-loop turn: every line read in it shares the batch.
      setImmediate(this.send);
    }
    return this.count++;
  }

  /** Takes the batch being accumulated as a SealedBatch and starts an empty one. */
  private seal(): SealedBatch {
    // pkgindex.apply takes text; names are printable ASCII, so latin1 is exact.
    const batch = { text: this.lines.toString("latin1", 0, this.length - 1), commands: this.commands, count: this.count, holds: this.holds };
    this.commands = this.spareCommands.pop() ?? new Uint8Array(256);
    this.holds = [];
    this.length = 0;
    this.count = 0;
    return batch;
  }

  private readonly send = (): void => {
    this.scheduled = false;
    if (this.inFlight || this.stopping) return;
    const batch = this.sealed.shift() ?? (this.count > 0 ? this.seal() : undefined);
    if (batch === undefined) return;
    const { text, commands, count, holds } = batch;
    this.inFlight = true;
    const started = performance.now();
    this.store.applyBatch(text).then(
      (codes) => {
        if (codes.length !== count) {
          this.failed(new Error(`pkgindex.apply returned ${codes.length} codes for ${count} lines`), holds, count);
          return;
        }
        this.stats.recordBatch(count, (performance.now() - started) / 1000);
        const results = this.stats.results;
        let writes = false;
        for (let i = 0; i < count; i++) {
          const command = commands[i];
          if (codes[i] <= REPLY_ERROR) results[command * 3 + codes[i]]++;
          if (command === CMD_INDEX || command === CMD_REMOVE) writes = true;
        }
        // As for the local stores: a commit is a transaction that could write (a QUERY-only batch takes no lock).
        if (writes) this.stats.commits++;
        if (this.spareCommands.length < 2) this.spareCommands.push(commands);
        this.setStatus(true, "");
        for (let i = 0; i < holds.length; i++) holds[i](codes);
        this.settled();
      },
      (err: unknown) => {
        this.failed(err, holds, count);
      },
    );
  };

  private failed(err: unknown, holds: Release[], count: number): void {
    const message = err instanceof Error ? err.message : String(err);
    this.logger.error(
      { code: isPkgIndexError(err) ? err.code : "PKGI_PG_COMMIT_UNKNOWN", lines: count },
      `batch not acknowledged, its connections are closed unanswered: ${message}`,
    );
    this.setStatus(false, message);
    const codes = new Uint8Array(count).fill(REPLY_UNANSWERED);
    for (let i = 0; i < holds.length; i++) holds[i](codes);
    this.settled();
  }

  /** A batch or probe is done: the next batch leaves at once, or waiters of stop() are told. */
  private settled(): void {
    this.inFlight = false;
    if (!this.stopping && (this.sealed.length > 0 || this.count > 0)) {
      this.send();
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * An idle node whose connection went away (the database restarted, the
   * network dropped it) reconnects now rather than at the next batch, so
   * /readyz turns back to 200 by itself.
   */
  private checkHealth(): void {
    if (this.stopping || this.inFlight || this.store.connected) return;
    if (this.current.ready) this.setStatus(false, "connection to PostgreSQL lost; reconnecting");
    this.inFlight = true;
    this.store.revision().then(
      () => {
        this.setStatus(true, "");
        this.settled();
      },
      (err: unknown) => {
        this.setStatus(false, err instanceof Error ? err.message : String(err));
        this.settled();
      },
    );
  }

  private setStatus(ready: boolean, reason: string): void {
    if (this.current.ready === ready && this.current.reason === reason) return;
    if (ready && !this.current.ready) this.logger.info("PostgreSQL reachable again: serving");
    this.current = { ready, reason };
    this.onStatus(this.current);
  }

  private growLines(needed: number): void {
    let size = this.lines.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.lines.copy(grown, 0, 0, this.length);
    this.lines = grown;
  }
}
