// The one copy lives with the other server helpers the tests share.
export { metricSum, scrapeMetrics } from "@pkgindex/server-process";
