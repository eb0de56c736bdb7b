import { Registry } from "prom-client";

/** Prometheus text format 0.0.4, as prom-client's registries produce it. */
export const METRICS_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;
