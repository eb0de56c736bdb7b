import { chart } from "./chart.ts";

/** RSS over time, one line per server or run, from the samples a run keeps. */
export function rssChart(o: { title: string; series: { name: string; samples: [number, number][] }[]; facts: string; note?: string }): string {
  return chart({
    title: o.title,
    xLabel: "seconds since the run began",
    yLabel: "RSS (MiB)",
    series: o.series.map((s) => ({ name: s.name, points: s.samples.map(([t, mib]) => ({ x: t, y: mib })) })),
    facts: o.facts,
    bars: o.note,
  });
}
