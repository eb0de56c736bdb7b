export { aggregateMetrics, METRICS_CONTENT_TYPE, retireSnapshot } from "./aggregate-metrics.ts";
export { CommandStats } from "./command-stats.ts";
export { createFeedMetrics, type FeedCounts } from "./feed-metrics.ts";
export { APPLY_SECONDS_BOUNDS, BATCH_SIZE_BOUNDS, REQUEST_SECONDS_BOUNDS } from "./histogram-bounds.ts";
export { METRIC, RUNTIME_METRIC } from "./metric-names.ts";
export type { BuildInfo } from "./process-metrics.ts";
export {
  REJECT_DRAIN_TIMEOUT,
  REJECT_IDLE_TIMEOUT,
  REJECT_LINE_TIMEOUT,
  REJECT_LINE_TOO_LONG,
  REJECT_MAX_CONNECTIONS,
  REJECT_PENDING_CAP,
  REJECT_PROXY_HEADER,
  REJECT_PROXY_UNTRUSTED,
  REJECT_REASONS,
  REJECT_TLS_HANDSHAKE,
  REJECT_TLS_HANDSHAKE_TIMEOUT,
  type RejectReason,
} from "./rejection-reasons.ts";
export { createSupervisorMetrics, type SupervisorMetrics } from "./supervisor-metrics.ts";
export { createThreadMetrics, type MetricsSnapshot, type ThreadMetrics } from "./thread-metrics.ts";
