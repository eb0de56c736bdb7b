/**
 * Group commit with asynchronous commits: replies wait for the commit that
 * covers the changes they may have seen, and are released in the order they
 * were held.
 *
 * - `changed()` marks that a mutation was applied since the last commit began.
 * - `hold(release)` queues `release` to run once every change marked so far
 *   is durable. Callers that need no wait (nothing dirty, nothing in flight)
 *   check `busy` first and answer at once instead.
 * - At most one commit is in flight. Changes applied while it runs belong to
 *   the next one, which starts when it resolves: a commit never covers a
 *   change applied after it began, so a release never runs early.
 * - A failed commit releases nothing as committed that it covered, nor
 *   anything held after it. When the owner could undo all of it (the store
 *   was only full), every such release runs with `false` (answer ERROR) and
 *   the pipeline goes on; otherwise it stops for good and reports the error
 *   once.
 */
export interface CommitHooks {
  /** Makes everything changed so far durable; sync stores return void (or throw). */
  commit(): void | Promise<void>;
  /** Runs after a commit resolves and before its releases (publish the read view). */
  committed(): void;
  /**
   * A commit failed. Return true when everything applied and not committed
   * has been undone (every held release then runs with `false` and the
   * pipeline goes on); false stops it for good: nothing is released after it.
   */
  failed(err: unknown): boolean;
}

/** Runs once the commit covering it is settled: `committed` false means its changes were undone (answer ERROR). */
export type Release = (committed: boolean) => void;

export class CommitPipeline {
  private readonly hooks: CommitHooks;
  private dirty = false;
  private inFlight = false;
  private scheduled = false;
  private failure: unknown = undefined;
  private hasFailed = false;
  /** Commits begun so far: a hold made before one began is covered by it, not by a later one. */
  private begun = 0;
  /** Releases held since the in-flight commit (if any) began. */
  private waiting: Release[] = [];
  /** Releases the in-flight commit covers. */
  private covered: Release[] = [];
  /** Settles when nothing is in flight or held (for stop()). */
  private idleWaiters: (() => void)[] = [];

  constructor(hooks: CommitHooks) {
    this.hooks = hooks;
  }

  /** True while a reply would have to wait: something uncommitted or a commit in flight. */
  get busy(): boolean {
    return this.dirty || this.inFlight || this.waiting.length > 0;
  }

  get error(): unknown {
    return this.failure;
  }

  get failedAlready(): boolean {
    return this.hasFailed;
  }

  /** Commits begun so far; a holder that sees it move must hold again for what it applies next. */
  get commitsBegun(): number {
    return this.begun;
  }

  changed(): void {
    this.dirty = true;
  }

  hold(release: Release): void {
    if (this.hasFailed) return;
    this.waiting.push(release);
    this.schedule();
  }

  /**
   * Resolves once everything changed or held so far has been committed and
   * released; rejects with the commit error if that fails.
   */
  settle(): Promise<void> {
    if (this.hasFailed) return Promise.reject(this.failure);
    if (!this.busy) return Promise.resolve();
    if (!this.inFlight) this.schedule();
    return new Promise((resolve, reject) => {
      this.idleWaiters.push(() => (this.hasFailed ? reject(this.failure) : resolve()));
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    // The end of this event-loop turn: every batch that arrived in it shares
    // the commit (group commit).
    setImmediate(this.start);
  }

  private readonly start = (): void => {
    this.scheduled = false;
    if (this.inFlight || this.hasFailed) return;
    this.begun++;
    this.covered = this.waiting;
    this.waiting = [];
    const mustWrite = this.dirty;
    this.dirty = false;
    this.inFlight = true;
    if (!mustWrite) {
      this.finish();
      return;
    }
    let pending: void | Promise<void>;
    try {
      pending = this.hooks.commit();
    } catch (err) {
      this.fail(err);
      return;
    }
    if (pending === undefined) this.finish();
    else pending.then(this.finish, (err: unknown) => this.fail(err));
  };

  private readonly finish = (): void => {
    this.inFlight = false;
    this.hooks.committed();
    const covered = this.covered;
    this.covered = [];
    for (let i = 0; i < covered.length; i++) covered[i](true);
    if (this.dirty || this.waiting.length > 0) {
      // What arrived while the commit ran goes out in the next one now.
      this.start();
      return;
    }
    this.wakeIdle();
  };

  private fail(err: unknown): void {
    const covered = this.covered;
    const waiting = this.waiting;
    this.covered = [];
    this.waiting = [];
    // Failed for good unless the owner undoes everything: while it decides
    // (its failure listeners run inside), nothing may be held or released,
    // and `busy` stays true so no reply computed meanwhile goes out early.
    this.hasFailed = true;
    this.failure = err;
    if (!this.hooks.failed(err)) {
      this.wakeIdle();
      return;
    }
    this.hasFailed = false;
    this.failure = undefined;
    this.inFlight = false;
    // What was applied after the failed commit began may build on what it
    // covered: it was undone with it, never to be committed on its own.
    this.dirty = false;
    for (let i = 0; i < covered.length; i++) covered[i](false);
    for (let i = 0; i < waiting.length; i++) waiting[i](false);
    this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
