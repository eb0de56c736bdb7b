export { freePort } from "./free-port.ts";
export { type LoggingProcess, type ServerProcess, spawnLogging, startLoggingServer } from "./logging-server.ts";
export { type LineServer, startLineServer } from "./line-server.ts";
export { type CompletedRun, runToCompletion } from "./run-to-completion.ts";
export { canConnect, ServerStartError, type ShellServer, startShellServer } from "./shell-server.ts";
export { createDatabaseOn, databaseOf, PG_BIN, startCluster, type TestCluster } from "./pg-cluster.ts";
export { metricSum, scrapeMetrics } from "./metrics-text.ts";
export { makeTestPki, type TestPki } from "./test-pki.ts";
