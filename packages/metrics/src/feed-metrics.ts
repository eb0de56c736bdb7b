import { Registry } from "prom-client";
import { METRIC } from "./metric-names.ts";
import { registerScrapedCounter, registerScrapedGauge } from "./scraped-metrics.ts";
import { wrap, type ThreadMetrics } from "./thread-metrics.ts";

/** What the change feed reports, read at scrape time. */
export interface FeedCounts {
  streams: number;
  cutOff: number;
  oldestRevision: number;
}

/** The change feed's families (on the thread that serves it: the supervisor, or the single thread). */
export function createFeedMetrics(read: () => FeedCounts): ThreadMetrics {
  const registry = new Registry();
  registerScrapedGauge(registry, {
    name: METRIC.feedStreams,
    help: "Open change feed streams (continuous and eventsource).",
    labelNames: [],
    read: (emit) => emit({}, read().streams),
  });
  registerScrapedCounter(registry, {
    name: METRIC.feedCutOff,
    help: "Change feed streams cut off for not reading (or for falling behind the retention).",
    labelNames: [],
    read: (emit) => emit({}, read().cutOff),
  });
  registerScrapedGauge(registry, {
    name: METRIC.feedOldestRevision,
    help: "Oldest revision the change feed still holds; a since older than this gets 410.",
    labelNames: [],
    read: (emit) => emit({}, read().oldestRevision),
  });
  return wrap(registry);
}
