import { PROTOCOL_ERROR_COUNT } from "@pkgindex/protocol";

/**
 * Plain counters a thread bumps on its hot path; the metrics layer reads
 * them. Typed arrays so counting allocates nothing.
 */
export class CommandStats {
  /** [command * 3 + replyCode], command 1..3, reply 0..2. */
  readonly results = new Float64Array(4 * 3);
  /** Protocol errors by PROTOCOL_ERRORS code. */
  readonly protocolErrors = new Float64Array(PROTOCOL_ERROR_COUNT);
  batches = 0;
  batchedCommands = 0;
  connectionsAccepted = 0;
  connectionsOpen = 0;
}
