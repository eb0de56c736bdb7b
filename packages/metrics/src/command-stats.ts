import { PROTOCOL_ERROR_COUNT } from "@pkgindex/protocol";
import { APPLY_SECONDS_BOUNDS, BATCH_SIZE_BOUNDS, bucketIndex, REQUEST_SECONDS_BOUNDS } from "./histogram-bounds.ts";
import { REJECT_REASONS } from "./rejection-reasons.ts";

/**
 * Plain counters a thread bumps on its hot path; the metrics layer reads
 * them. Typed arrays so counting allocates nothing. Never call prom-client
 * from a hot path: a thread's registry (createThreadMetrics) reads these
 * fields when it is scraped.
 */
export class CommandStats {
  /** [command * 3 + replyCode], command 1..3, reply 0..2. */
  readonly results = new Float64Array(4 * 3);
  /** Protocol errors by PROTOCOL_ERRORS code. */
  readonly protocolErrors = new Float64Array(PROTOCOL_ERROR_COUNT);
  /** Connections closed by a limit, by REJECT_* reason. */
  readonly connectionsRejected = new Float64Array(REJECT_REASONS.length);
  /** INDEX/REMOVE refused by --writers, by command (1..2). */
  readonly denied = new Float64Array(4);
  batches = 0;
  batchedCommands = 0;
  /** QUERYs an I/O worker answered from the read view, without the hop. */
  localReads = 0;
  /** INDEXes and REMOVEs an I/O worker answered from the read view because they change nothing. */
  localUnchanged = 0;
  connectionsAccepted = 0;
  connectionsOpen = 0;
  /** Store commits (group commits) that wrote something. */
  commits = 0;
  /** Commits the store refused because the disk or quota was full (their batches were undone). */
  fullCommits = 0;
  /** Batches by size bucket (BATCH_SIZE_BOUNDS, last slot is +Inf); not cumulative. */
  readonly batchSizeBuckets = new Float64Array(BATCH_SIZE_BOUNDS.length + 1);
  /** Batches by apply-time bucket (APPLY_SECONDS_BOUNDS, last slot is +Inf); not cumulative. */
  readonly applySecondsBuckets = new Float64Array(APPLY_SECONDS_BOUNDS.length + 1);
  /** Total seconds spent applying batches. */
  applySeconds = 0;
  /** Replies by request-duration bucket (REQUEST_SECONDS_BOUNDS, last slot is +Inf); not cumulative. */
  readonly requestSecondsBuckets = new Float64Array(REQUEST_SECONDS_BOUNDS.length + 1);
  /** Total seconds between reading request lines and writing their replies. */
  requestSeconds = 0;

  /** One reply written `seconds` after its request line was read. */
  recordRequest(seconds: number): void {
    this.requestSecondsBuckets[bucketIndex(REQUEST_SECONDS_BOUNDS, seconds)]++;
    this.requestSeconds += seconds;
  }

  /**
   * One batch of `commands` applied in `seconds`: bumps batches,
   * batchedCommands and both histograms. Call it instead of bumping
   * batches/batchedCommands by hand.
   */
  recordBatch(commands: number, seconds: number): void {
    this.batches++;
    this.batchedCommands += commands;
    this.batchSizeBuckets[bucketIndex(BATCH_SIZE_BOUNDS, commands)]++;
    this.applySecondsBuckets[bucketIndex(APPLY_SECONDS_BOUNDS, seconds)]++;
    this.applySeconds += seconds;
  }
}
