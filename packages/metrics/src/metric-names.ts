// Every metric pkgindex exposes. Names are part of the operations contract
// (dashboards, alerts, docs/OPERATIONS.md): never rename one.
export const METRIC = {
  connectionsOpen: "pkgindex_connections_open",
  connectionsAccepted: "pkgindex_connections_accepted_total",
  connectionsRejected: "pkgindex_connections_rejected_total",
  commands: "pkgindex_commands_total",
  protocolErrors: "pkgindex_protocol_errors_total",
  denied: "pkgindex_denied_total",
  batchCommands: "pkgindex_state_batch_commands",
  applySeconds: "pkgindex_state_apply_seconds",
  storeCommits: "pkgindex_store_commits_total",
  storeWritable: "pkgindex_store_writable",
  storeFullCommits: "pkgindex_store_full_commits_total",
  packages: "pkgindex_packages",
  edges: "pkgindex_edges",
  threadRestarts: "pkgindex_thread_restarts_total",
  eventLoopUtilization: "pkgindex_event_loop_utilization",
  threadCpuSeconds: "pkgindex_thread_cpu_seconds_total",
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
