import type { ResourceLimits } from "node:worker_threads";

/**
 * V8 heap limits of the worker threads. Only the young generation is
 * capped: V8 otherwise grows it to tens of MiB per thread under connection
 * churn, and the short-lived objects of each connection are then collected
 * rarely and in bulk, so RSS climbs far above what is live. A small young
 * generation collects them often and cheaply; the old generation (the
 * state owner's index) keeps V8's default limit. The main thread gets the
 * same through --max-semi-space-size (apps/server/src/pkgindex.ts). Chosen
 * by measurement: docs/DECISIONS.md, "Issue 19".
 */
export const THREAD_HEAP: ResourceLimits = { maxYoungGenerationSizeMb: 4 };
