// Every metric pkgindex exposes. Names are part of the operations contract
// (dashboards, alerts, docs/OPERATIONS.md): never rename one.
export const METRIC = {
  connectionsOpen: "pkgindex_connections_open",
  connectionsAccepted: "pkgindex_connections_accepted_total",
  connectionsRejected: "pkgindex_connections_rejected_total",
  connectionsTracked: "pkgindex_connections_tracked",
  connectionObjects: "pkgindex_debug_connection_objects",
  commands: "pkgindex_commands_total",
  protocolErrors: "pkgindex_protocol_errors_total",
  denied: "pkgindex_denied_total",
  requestSeconds: "pkgindex_request_duration_seconds",
  batchCommands: "pkgindex_state_batch_commands",
  applySeconds: "pkgindex_state_apply_seconds",
  storeCommits: "pkgindex_store_commits_total",
  storeWritable: "pkgindex_store_writable",
  storeFullCommits: "pkgindex_store_full_commits_total",
  packages: "pkgindex_packages",
  edges: "pkgindex_edges",
  revision: "pkgindex_revision",
  feedStreams: "pkgindex_feed_streams",
  feedCutOff: "pkgindex_feed_streams_cut_off_total",
  feedOldestRevision: "pkgindex_feed_oldest_revision",
  threadRestarts: "pkgindex_thread_restarts_total",
  eventLoopBusySeconds: "pkgindex_event_loop_busy_seconds_total",
  threadCpuSeconds: "pkgindex_thread_cpu_seconds_total",
  buildInfo: "pkgindex_build_info",
} as const;

// The process and Node runtime families, under the names prom-client's
// collectDefaultMetrics() uses, so existing dashboards and habits apply.
// Per-thread ones (heap, GC, event loop) carry role/worker labels.
export const RUNTIME_METRIC = {
  residentMemory: "process_resident_memory_bytes",
  openFds: "process_open_fds",
  maxFds: "process_max_fds",
  startTime: "process_start_time_seconds",
  cpuUser: "process_cpu_user_seconds_total",
  cpuSystem: "process_cpu_system_seconds_total",
  cpuTotal: "process_cpu_seconds_total",
  heapUsed: "nodejs_heap_size_used_bytes",
  heapTotal: "nodejs_heap_size_total_bytes",
  externalMemory: "nodejs_external_memory_bytes",
  gcSeconds: "nodejs_gc_duration_seconds",
  lagP50: "nodejs_eventloop_lag_p50_seconds",
  lagP99: "nodejs_eventloop_lag_p99_seconds",
  lagMax: "nodejs_eventloop_lag_max_seconds",
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
