// Types for the prom-client module aggregate-metrics.ts loads directly.
// prom-client's index requires all of it as soon as it is imported: the
// Pushgateway (node:http, node:https and with it TLS, zlib), cluster and the
// default metrics (the whole OpenTelemetry API), several MiB of RSS in the
// main thread for a server that uses only the aggregation.
declare module "prom-client/lib/cluster.js" {
  import type { AggregatorRegistry } from "prom-client";
  const AggregatorRegistryClass: typeof AggregatorRegistry;
  export default AggregatorRegistryClass;
}
