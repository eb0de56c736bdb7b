import net from "node:net";
import { DependencyGraph } from "@pkgindex/graph";
import { openStore } from "@pkgindex/store";
import { Connection } from "./connection.ts";
import { IndexState } from "./index-state.ts";
import { listen } from "./listen.ts";
import { LocalDispatcher } from "./local-dispatcher.ts";
import type { Logger } from "./logger.ts";
import type { RunningServer } from "./running-server.ts";
import type { ServerConfig } from "./server-config.ts";

/** --workers 0: sockets, parsing, graph and store on the calling thread. */
export async function startSingleThread(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const store = openStore({ kind: config.store, dataDir: config.dataDir, sync: config.sync });
  const state = new IndexState(new DependencyGraph({ allowCycles: config.allowCycles }), store);
  const loaded = state.load();
  logger.info({ ...loaded, store: config.store }, "index loaded");
  const dispatcher = new LocalDispatcher(state, (err) => {
    logger.fatal({ err }, "commit failed; exiting without acknowledging the batch");
    process.exit(1);
  });
  const connections = new Set<Connection>();
  const server = net.createServer((socket) => {
    state.stats.connectionsAccepted++;
    state.stats.connectionsOpen++;
    const conn = new Connection(socket, config, dispatcher, state.stats, logger);
    connections.add(conn);
    socket.once("close", () => connections.delete(conn));
  });
  let port: number;
  try {
    port = await listen(server, config.host, config.port, false);
  } catch (err) {
    store.close();
    throw err;
  }
  return {
    port,
    stats: () => [state.stats],
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const conn of connections) {
          conn.flush();
          conn.socket.destroySoon();
        }
      });
      state.commit();
      store.close();
    },
  };
}
