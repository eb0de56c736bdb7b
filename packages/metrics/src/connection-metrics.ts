import { CMD_INDEX, CMD_REMOVE, COMMAND_NAMES, PROTOCOL_ERROR_BY_CODE } from "@pkgindex/protocol";
import type { Registry } from "prom-client";
import type { CommandStats } from "./command-stats.ts";
import { METRIC } from "./metric-names.ts";
import { REJECT_REASONS } from "./rejection-reasons.ts";
import { registerScrapedCounter, registerScrapedGauge } from "./scraped-metrics.ts";

/** Families of a thread that owns client sockets (I/O worker, or the single thread). */
export function registerConnectionMetrics(registry: Registry, stats: CommandStats, worker: string): void {
  registerScrapedGauge(registry, {
    name: METRIC.connectionsOpen,
    help: "Client connections open, per I/O worker (worker 0: the single thread of --workers 0).",
    labelNames: ["worker"],
    read: (emit) => emit({ worker }, stats.connectionsOpen),
  });
  registerScrapedCounter(registry, {
    name: METRIC.connectionsAccepted,
    help: "Client connections accepted, per I/O worker.",
    labelNames: ["worker"],
    read: (emit) => emit({ worker }, stats.connectionsAccepted),
  });
  registerScrapedCounter(registry, {
    name: METRIC.connectionsRejected,
    help: "Connections closed by a limit rather than by the client, by reason.",
    labelNames: ["reason"],
    read: (emit) => {
      for (let i = 0; i < REJECT_REASONS.length; i++) emit({ reason: REJECT_REASONS[i] }, stats.connectionsRejected[i]);
    },
  });
  registerScrapedCounter(registry, {
    name: METRIC.protocolErrors,
    help: "Malformed request lines answered ERROR, by protocol error code.",
    labelNames: ["code"],
    read: (emit) => {
      for (let code = 1; code < PROTOCOL_ERROR_BY_CODE.length; code++) {
        const error = PROTOCOL_ERROR_BY_CODE[code];
        if (error !== undefined) emit({ code: error.id }, stats.protocolErrors[code]);
      }
    },
  });
  registerScrapedCounter(registry, {
    name: METRIC.denied,
    help: "INDEX and REMOVE answered ERROR because the client is not in --writers, by command.",
    labelNames: ["command"],
    read: (emit) => {
      for (const command of [CMD_INDEX, CMD_REMOVE]) emit({ command: COMMAND_NAMES[command] }, stats.denied[command]);
    },
  });
}
