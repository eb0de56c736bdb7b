import { PkgIndexError } from "@pkgindex/errors";
import type { Store } from "@pkgindex/store";

type LoadStats = ReturnType<Store["load"]>;

/**
 * A durable-looking store whose commits the test resolves or fails by hand,
 * recording what each commit covered: the engine's commit ordering and
 * failure path can be driven step by step in-process. `failNextFull`
 * refuses a commit as a full disk does, and `full` makes probes fail until
 * the test says space is back.
 */
export class ControlledStore implements Store {
  readonly kind = "sqlite" as const;
  commits = 0;
  closed = false;
  /** While true, probe() fails as on a full disk. */
  full = false;
  /** Probes run so far. */
  probes = 0;
  /** Batches dropped by rollback(), with what they held. */
  readonly rolledBack: string[][] = [];
  /** Changes recorded since the last commit began. */
  private batch: string[] = [];
  /** What each commit covered, in order. */
  readonly committed: string[][] = [];
  private readonly inFlight: { changes: string[]; resolve(): void; reject(err: Error): void }[] = [];

  load(_onPackage: (name: string, deps: readonly string[]) => void): LoadStats {
    return { packages: 0, edges: 0, millis: 0, unordered: 0 };
  }

  putPackage(name: string, deps: readonly string[], depCount: number): void {
    this.batch.push(`put ${name}:${deps.slice(0, depCount).join(",")}`);
  }

  deletePackage(name: string): void {
    this.batch.push(`delete ${name}`);
  }

  commit(): Promise<void> {
    const changes = this.batch;
    this.batch = [];
    return new Promise((resolve, reject) => this.inFlight.push({ changes, resolve, reject }));
  }

  /** Commits in flight, oldest first. */
  get pending(): number {
    return this.inFlight.length;
  }

  resolveNext(): string[] {
    const next = this.inFlight.shift();
    if (next === undefined) throw new Error("no commit in flight");
    this.commits++;
    this.committed.push(next.changes);
    next.resolve();
    return next.changes;
  }

  /** Fails the oldest commit in flight with the store's full-disk error (PKGI_DB_FULL). */
  failNextFull(): void {
    const next = this.inFlight.shift();
    if (next === undefined) throw new Error("no commit in flight");
    next.reject(fullError());
  }

  rollback(): void {
    this.rolledBack.push(this.batch);
    this.batch = [];
  }

  /** Runs at each probe, before it succeeds or fails (a test can free space here). */
  onProbe: (() => void) | null = null;
  /** When set, the next probe fails with it (an I/O error, not a full disk). */
  probeError: Error | null = null;

  probe(): void {
    this.probes++;
    this.onProbe?.();
    if (this.probeError !== null) throw this.probeError;
    if (this.full) throw fullError();
  }

  failNext(message = "disk full"): void {
    const next = this.inFlight.shift();
    if (next === undefined) throw new Error("no commit in flight");
    next.reject(new Error(message));
  }

  close(): void {
    this.closed = true;
  }
}

function fullError(): PkgIndexError {
  return new PkgIndexError("PKGI_DB_FULL", { path: "controlled.db", reason: "database or disk is full (SQLITE_FULL)" });
}
