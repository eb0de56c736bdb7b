import { counterFamily, gaugeFamily } from "./families.ts";
import { METRIC } from "./metric-names.ts";
import type { MetricsSnapshot, ThreadMetrics } from "./thread-metrics.ts";

/** What the change feed reports, read at scrape time. */
export interface FeedCounts {
  streams: number;
  cutOff: number;
  oldestRevision: number;
}

/** The change feed's families (on the thread that serves it: the supervisor, or the single thread). */
export function createFeedMetrics(read: () => FeedCounts): ThreadMetrics {
  return {
    snapshot(): MetricsSnapshot {
      const counts = read();
      return [
        gaugeFamily(METRIC.feedStreams, "Open change feed streams (continuous and eventsource).", [{ labels: {}, value: counts.streams }], "sum"),
        counterFamily(METRIC.feedCutOff, "Change feed streams cut off for not reading (or for falling behind the retention).", [{ labels: {}, value: counts.cutOff }]),
        gaugeFamily(
          METRIC.feedOldestRevision,
          "Oldest revision the change feed still holds; a since older than this gets 410.",
          [{ labels: {}, value: counts.oldestRevision }],
          "first",
        ),
      ];
    },
  };
}
