import { Counter, Gauge, type Registry } from "prom-client";

type Labels = Record<string, string>;
/** Called once per series with its current value. */
export type Emit = (labels: Labels, value: number) => void;

interface ScrapedMetric {
  name: string;
  help: string;
  labelNames: string[];
  /** Reads the plain counters and emits every series; runs at scrape time only. */
  read: (emit: Emit) => void;
}

/**
 * A counter whose value is a running total kept elsewhere (CommandStats):
 * each scrape clears it and sets every series to the current total.
 */
export function registerScrapedCounter(registry: Registry, metric: ScrapedMetric): void {
  const counter = new Counter({
    name: metric.name,
    help: metric.help,
    labelNames: metric.labelNames,
    aggregator: "sum",
    registers: [],
    collect() {
      this.reset();
      metric.read((labels, value) => this.inc(labels, value));
    },
  });
  registry.registerMetric(counter);
}

/** A gauge read at scrape time; `aggregator` says how threads combine (see aggregate-metrics.ts). */
export function registerScrapedGauge(registry: Registry, metric: ScrapedMetric, aggregator: "sum" | "first" = "sum"): void {
  const gauge = new Gauge({
    name: metric.name,
    help: metric.help,
    labelNames: metric.labelNames,
    aggregator,
    registers: [],
    collect() {
      this.reset();
      metric.read((labels, value) => this.set(labels, value));
    },
  });
  registry.registerMetric(gauge);
}
