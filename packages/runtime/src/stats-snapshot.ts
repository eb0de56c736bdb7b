import type { CommandStats } from "@pkgindex/metrics";
import type { ThreadStatsSnapshot } from "./thread-messages.ts";

/** Copies a thread's counters into a structured-clonable snapshot. */
export function snapshotStats(role: string, index: number, stats: CommandStats, graph?: { size: number; edgeCount: number }): ThreadStatsSnapshot {
  const cpu = process.threadCpuUsage();
  return {
    role,
    index,
    results: Array.from(stats.results),
    protocolErrors: Array.from(stats.protocolErrors),
    batches: stats.batches,
    batchedCommands: stats.batchedCommands,
    localReads: stats.localReads,
    localUnchanged: stats.localUnchanged,
    connectionsAccepted: stats.connectionsAccepted,
    connectionsOpen: stats.connectionsOpen,
    threadCpuMicros: cpu.user + cpu.system,
    packages: graph?.size,
    edges: graph?.edgeCount,
  };
}
