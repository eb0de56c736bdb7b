import type { Logger } from "./logger.ts";
import type { RunningServer } from "./running-server.ts";
import type { ServerConfig } from "./server-config.ts";
import { startSingleThread } from "./single-thread-server.ts";
import type { StoreStatusListener } from "./store-status.ts";
import { startSupervised } from "./supervisor.ts";

/** Starts the layout `config.workers` asks for. */
export function startServer(config: ServerConfig, logger: Logger, onStoreStatus: StoreStatusListener = () => {}): Promise<RunningServer> {
  return config.workers === 0 ? startSingleThread(config, logger, onStoreStatus) : startSupervised(config, logger, onStoreStatus);
}
