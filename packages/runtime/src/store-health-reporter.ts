import type { IndexEngine } from "./index-engine.ts";
import type { Logger } from "./logger.ts";

/** How often a read-only server says so again, and the least time between two "store full" lines. */
const REMIND_INTERVAL_MS = 60_000;

/** What /readyz and the supervisor are told about the store. */
export interface StoreHealth {
  writable: boolean;
  /** Why not ("" while writable). */
  reason: string;
}

/**
 * Logs the store's read-only episodes: one error line when it turns
 * read-only, one a minute while it stays so, one info line when it is
 * writable again. A disk that flaps between full and not (a probe fits, the
 * next batch does not) gets at most one "store full" line a minute; an
 * episode whose "store full" line was folded into the next one logs no
 * recovery line either, so the lines still pair up.
 */
export class StoreHealthReporter {
  private readonly engine: IndexEngine;
  private readonly logger: Logger;
  private lastErrorLine = -Infinity;
  private unloggedEpisodes = 0;
  /** Whether this episode's "store full" line was logged (then its recovery is too). */
  private episodeLogged = false;
  private since = 0;
  private refusedAtStart = 0;
  private reminder: NodeJS.Timeout | null = null;

  constructor(engine: IndexEngine, logger: Logger, onChange?: (health: StoreHealth) => void) {
    this.engine = engine;
    this.logger = logger;
    engine.onWritableChange((writable, reason) => {
      if (writable) this.writableAgain();
      else this.readOnly(reason);
      onChange?.({ writable, reason });
    });
  }

  /** Stops the reminder (the engine stopped). */
  close(): void {
    if (this.reminder !== null) clearInterval(this.reminder);
    this.reminder = null;
  }

  private readOnly(reason: string): void {
    this.since = performance.now();
    this.refusedAtStart = this.engine.refusedWrites;
    this.reminder = setInterval(this.remind, REMIND_INTERVAL_MS);
    this.reminder.unref();
    this.episodeLogged = this.since - this.lastErrorLine >= REMIND_INTERVAL_MS;
    if (!this.episodeLogged) {
      this.unloggedEpisodes++;
      return;
    }
    this.lastErrorLine = this.since;
    const earlierEpisodes = this.unloggedEpisodes;
    this.unloggedEpisodes = 0;
    this.logger.error(
      { code: "PKGI_DB_FULL", reason, earlierEpisodesNotLogged: earlierEpisodes },
      "store full: read-only until space is back (INDEX and REMOVE answered ERROR, QUERY served)",
    );
  }

  private readonly remind = (): void => {
    this.lastErrorLine = performance.now();
    this.logger.error(
      {
        code: "PKGI_DB_FULL",
        reason: this.engine.notWritableReason,
        readOnlySeconds: Math.round((this.lastErrorLine - this.since) / 1000),
        writesRefused: this.engine.refusedWrites - this.refusedAtStart,
      },
      "store still full: read-only",
    );
  };

  private writableAgain(): void {
    this.close();
    if (!this.episodeLogged) return;
    this.logger.info(
      { readOnlySeconds: Math.round((performance.now() - this.since) / 100) / 10, writesRefused: this.engine.refusedWrites - this.refusedAtStart },
      "store writable again",
    );
  }
}
