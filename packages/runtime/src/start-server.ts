import { loadServerTls } from "@pkgindex/tls";
import type { BuildInfo } from "@pkgindex/metrics";
import type { Logger } from "./logger.ts";
import type { RunningServer } from "./running-server.ts";
import type { ServerConfig } from "./server-config.ts";
import { startSingleThread } from "./single-thread-server.ts";
import type { StoreStatusListener } from "./store-status.ts";
import { startSupervised } from "./supervisor.ts";

const UNKNOWN_BUILD: BuildInfo = { version: "unknown", revision: "unknown" };

/**
 * Starts the layout `config.workers` asks for; `build` labels
 * pkgindex_build_info. TLS files are checked first, so a bad certificate is
 * refused before an index is loaded.
 */
export async function startServer(
  config: ServerConfig,
  logger: Logger,
  onStoreStatus: StoreStatusListener = () => {},
  build: BuildInfo = UNKNOWN_BUILD,
): Promise<RunningServer> {
  const tls = config.tls === null ? null : loadServerTls(config.tls.files);
  return config.workers === 0 ? startSingleThread(config, logger, tls, onStoreStatus, build) : startSupervised(config, logger, tls, onStoreStatus, build);
}
