import { CMD_INDEX, CMD_REMOVE, COMMAND_NAMES, PROTOCOL_ERROR_BY_CODE } from "@pkgindex/protocol";
import type { CommandStats } from "./command-stats.ts";
import { counterFamily, gaugeFamily, histogramFamily, type MetricJson, type Sample } from "./families.ts";
import { REQUEST_SECONDS_BOUNDS } from "./histogram-bounds.ts";
import { METRIC } from "./metric-names.ts";
import { REJECT_REASONS } from "./rejection-reasons.ts";

export interface ConnectionFamiliesOptions {
  stats: CommandStats;
  worker: string;
  /** REJECT_* reasons this configuration can produce: a limit that is off gets no series that could never move. */
  rejectReasons: readonly number[];
  /** Connections the thread's server holds state for (its table of live connections). */
  tracked: () => number;
  /** Test-only (--test-hooks): Connection objects alive on the thread's heap after a full GC. */
  liveObjects?: () => number;
}

/** Families of a thread that owns client sockets (I/O worker, or the single thread). */
export function connectionFamilies(options: ConnectionFamiliesOptions): MetricJson[] {
  const { stats, worker } = options;
  const labels = { worker };
  const rejected: Sample[] = options.rejectReasons.map((r) => ({ labels: { reason: REJECT_REASONS[r] }, value: stats.connectionsRejected[r] }));
  const protocolErrors: Sample[] = [];
  for (let code = 1; code < PROTOCOL_ERROR_BY_CODE.length; code++) {
    const error = PROTOCOL_ERROR_BY_CODE[code];
    if (error !== undefined) protocolErrors.push({ labels: { code: error.id }, value: stats.protocolErrors[code] });
  }
  const out = [
    gaugeFamily(METRIC.connectionsOpen, "Client connections open, per I/O worker (worker 0: the single thread of --workers 0).", [
      { labels, value: stats.connectionsOpen },
    ]),
    gaugeFamily(
      METRIC.connectionsTracked,
      "Connections the server holds state for, per I/O worker: equals pkgindex_connections_open unless something keeps closed connections.",
      [{ labels, value: options.tracked() }],
    ),
    counterFamily(METRIC.connectionsAccepted, "Client connections accepted, per I/O worker.", [{ labels, value: stats.connectionsAccepted }]),
    counterFamily(METRIC.protocolErrors, "Malformed request lines answered ERROR, by protocol error code.", protocolErrors),
    counterFamily(
      METRIC.denied,
      "INDEX and REMOVE answered ERROR because the client is not in --writers, by command.",
      [CMD_INDEX, CMD_REMOVE].map((command) => ({ labels: { command: COMMAND_NAMES[command] }, value: stats.denied[command] })),
    ),
    histogramFamily(
      METRIC.requestSeconds,
      "Seconds from reading a request line to writing its reply (commit and state-owner hop included), every reply ERROR included.",
      REQUEST_SECONDS_BOUNDS,
      [{ labels: {}, counts: stats.requestSecondsBuckets, sum: stats.requestSeconds }],
    ),
  ];
  if (options.liveObjects !== undefined) {
    out.push(
      gaugeFamily(METRIC.connectionObjects, "Test hooks only: Connection objects alive on this thread's heap after a full garbage collection.", [
        { labels, value: options.liveObjects() },
      ]),
    );
  }
  if (rejected.length > 0) out.push(counterFamily(METRIC.connectionsRejected, "Connections closed by a limit rather than by the client, by reason.", rejected));
  return out;
}
