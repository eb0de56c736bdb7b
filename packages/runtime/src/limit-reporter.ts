import { REJECT_REASONS, type CommandStats, type RejectReason } from "@pkgindex/metrics";
import type { Logger } from "./logger.ts";

/** At most one warn line per limit kind per interval; the rest are counted. */
const WARN_INTERVAL_MS = 60_000;

/**
 * Counts every time a limit acts, and logs it at warn the first time and then
 * at most once a minute per kind (with how many were not logged), so abuse
 * cannot flood the log.
 */
export class LimitReporter {
  private readonly stats: CommandStats;
  private readonly logger: Logger;
  private readonly lastWarn = new Float64Array(REJECT_REASONS.length).fill(-Infinity);
  private readonly unlogged = new Float64Array(REJECT_REASONS.length);

  constructor(stats: CommandStats, logger: Logger) {
    this.stats = stats;
    this.logger = logger;
  }

  private lastMalformedWarn = -Infinity;
  private malformedUnlogged = 0;

  /**
   * A malformed line (answered ERROR; counted by the caller in
   * protocolErrors): warned about at most once a minute per thread, with
   * the client and the error, so abuse is visible but cannot flood the log.
   */
  malformed(errorId: string, client: string): void {
    const now = performance.now();
    if (now - this.lastMalformedWarn < WARN_INTERVAL_MS) {
      this.malformedUnlogged++;
      return;
    }
    this.lastMalformedWarn = now;
    const suppressed = this.malformedUnlogged;
    this.malformedUnlogged = 0;
    this.logger.warn({ client, error: errorId, suppressedSinceLastWarn: suppressed }, "malformed request line answered ERROR");
  }

  report(reason: RejectReason, client: string, message: string): void {
    this.stats.connectionsRejected[reason]++;
    const now = performance.now();
    if (now - this.lastWarn[reason] < WARN_INTERVAL_MS) {
      this.unlogged[reason]++;
      return;
    }
    this.lastWarn[reason] = now;
    const suppressed = this.unlogged[reason];
    this.unlogged[reason] = 0;
    this.logger.warn({ limit: REJECT_REASONS[reason], client, suppressedSinceLastWarn: suppressed }, message);
  }
}
