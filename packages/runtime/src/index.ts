export { CommandStats } from "@pkgindex/metrics";
export { Connection, type CommandDispatcher } from "./connection.ts";
export { IndexState } from "./index-state.ts";
export { createLogger, type Logger } from "./logger.ts";
export type { RunningServer } from "./running-server.ts";
export type { ConnectionLimits, LogFormat, LogLevel, ServerConfig } from "./server-config.ts";
export { startServer } from "./start-server.ts";
export type { ThreadStatsSnapshot } from "./thread-messages.ts";
