import { REJECT_REASONS, type CommandStats, type RejectReason } from "@pkgindex/metrics";
import type { Logger } from "./logger.ts";

/** At most one warn line per kind per interval; the rest are counted. */
const WARN_INTERVAL_MS = 60_000;
/** Warn slots after the REJECT_* reasons: malformed lines, then denied writes. */
const MALFORMED_SLOT = REJECT_REASONS.length;
const DENIED_SLOT = REJECT_REASONS.length + 1;

/**
 * Counts every time a limit acts, and logs it at warn the first time and then
 * at most once a minute per kind (with how many were not logged), so abuse
 * cannot flood the log.
 */
export class LimitReporter {
  private readonly stats: CommandStats;
  private readonly logger: Logger;
  private readonly lastWarn = new Float64Array(REJECT_REASONS.length + 2).fill(-Infinity);
  private readonly unlogged = new Float64Array(REJECT_REASONS.length + 2);

  constructor(stats: CommandStats, logger: Logger) {
    this.stats = stats;
    this.logger = logger;
  }

  /**
   * A malformed line (answered ERROR; counted by the caller in
   * protocolErrors): warned about at most once a minute per thread, with
   * the client and the error, so abuse is visible but cannot flood the log.
   */
  malformed(errorId: string, client: string): void {
    const suppressed = this.due(MALFORMED_SLOT);
    if (suppressed >= 0) this.logger.warn({ client, error: errorId, suppressedSinceLastWarn: suppressed }, "malformed request line answered ERROR");
  }

  /** An INDEX or REMOVE from a client --writers does not list (counted by the caller in `denied`). */
  denied(command: string, client: string, identity: readonly string[]): void {
    const suppressed = this.due(DENIED_SLOT);
    if (suppressed < 0) return;
    this.logger.warn(
      { client, command, identity: identity.length > 0 ? identity : undefined, suppressedSinceLastWarn: suppressed },
      "write denied: the client matches no --writers entry; answered ERROR",
    );
  }

  report(reason: RejectReason, client: string, message: string): void {
    this.stats.connectionsRejected[reason]++;
    const suppressed = this.due(reason);
    if (suppressed >= 0) this.logger.warn({ limit: REJECT_REASONS[reason], client, suppressedSinceLastWarn: suppressed }, message);
  }

  /** -1 when this warning is to be suppressed (and is counted); else how many were suppressed since the last one. */
  private due(slot: number): number {
    const now = performance.now();
    if (now - this.lastWarn[slot] < WARN_INTERVAL_MS) {
      this.unlogged[slot]++;
      return -1;
    }
    this.lastWarn[slot] = now;
    const suppressed = this.unlogged[slot];
    this.unlogged[slot] = 0;
    return suppressed;
  }
}
