export { IndexEngine, type EngineOptions, type LoadedIndex } from "./index-engine.ts";
export { createLogger, type Logger } from "./logger.ts";
export type { DrainOutcome, RunningServer } from "./running-server.ts";
export type { LogFormat, LogLevel, ServerConfig } from "./server-config.ts";
export { startServer } from "./start-server.ts";
export type { StoreStatus, StoreStatusListener } from "./store-status.ts";
export type { BuildInfo } from "@pkgindex/metrics";
export type { StoreHealth } from "./store-health-reporter.ts";
