import type { BuildInfo } from "@pkgindex/metrics";
import type { Logger } from "./logger.ts";
import type { RunningServer } from "./running-server.ts";
import type { ServerConfig } from "./server-config.ts";
import { startSingleThread } from "./single-thread-server.ts";
import type { StoreStatusListener } from "./store-status.ts";
import { startSupervised } from "./supervisor.ts";

const UNKNOWN_BUILD: BuildInfo = { version: "unknown", revision: "unknown" };

/** Starts the layout `config.workers` asks for; `build` labels pkgindex_build_info. */
export function startServer(
  config: ServerConfig,
  logger: Logger,
  onStoreStatus: StoreStatusListener = () => {},
  build: BuildInfo = UNKNOWN_BUILD,
): Promise<RunningServer> {
  return config.workers === 0 ? startSingleThread(config, logger, onStoreStatus, build) : startSupervised(config, logger, onStoreStatus, build);
}
