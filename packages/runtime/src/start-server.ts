import type { Logger } from "./logger.ts";
import type { RunningServer } from "./running-server.ts";
import type { ServerConfig } from "./server-config.ts";
import { startSingleThread } from "./single-thread-server.ts";
import { startSupervised } from "./supervisor.ts";

/** Starts the layout `config.workers` asks for. */
export function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  return config.workers === 0 ? startSingleThread(config, logger) : startSupervised(config, logger);
}
