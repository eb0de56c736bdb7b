import { loadServerTls } from "@pkgindex/tls";
import type { Logger } from "./logger.ts";
import type { RunningServer } from "./running-server.ts";
import type { ServerConfig } from "./server-config.ts";
import { startSingleThread } from "./single-thread-server.ts";
import type { StoreStatusListener } from "./store-status.ts";
import { startSupervised } from "./supervisor.ts";

/**
 * Starts the layout `config.workers` asks for. TLS files are checked
 * first, so a bad certificate is refused before an index is loaded.
 */
export async function startServer(config: ServerConfig, logger: Logger, onStoreStatus: StoreStatusListener = () => {}): Promise<RunningServer> {
  const tls = config.tls === null ? null : loadServerTls(config.tls.files);
  return config.workers === 0 ? startSingleThread(config, logger, tls, onStoreStatus) : startSupervised(config, logger, tls, onStoreStatus);
}
