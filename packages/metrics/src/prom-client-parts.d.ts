// Types for the two prom-client modules aggregate-metrics.ts imports directly.
// prom-client's index requires all of it as soon as it is imported: the
// Pushgateway (node:http, node:https and with it TLS, zlib), cluster and the
// default metrics (the whole OpenTelemetry API), several MiB of RSS in the
// main thread for a server that uses only a registry and its aggregation.
declare module "prom-client/lib/registry.js" {
  import type { Registry } from "prom-client";
  const RegistryClass: typeof Registry;
  export default RegistryClass;
}

declare module "prom-client/lib/cluster.js" {
  import type { AggregatorRegistry } from "prom-client";
  const AggregatorRegistryClass: typeof AggregatorRegistry;
  export default AggregatorRegistryClass;
}
