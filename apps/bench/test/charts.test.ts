import { describe, expect, it } from "vitest";
import { chart, distributionChart, latencyThroughputChart, percentileAxis, type CompareResult, type LoadResult, spread } from "../src/index.ts";
import { svgProblems } from "./support/svg.ts";

/** The numbers of an attribute in every element matching `selector` (a tag with a class or not). */
function attrs(svg: string, element: RegExp, attr: string): number[] {
  return [...svg.matchAll(element)].map((m) => Number(new RegExp(`${attr}="([-\\d.]+)"`).exec(m[0])?.[1]));
}

describe("chart geometry", () => {
  const svg = chart({
    title: "t",
    xLabel: "x",
    yLabel: "y",
    facts: "facts line",
    series: [{ name: "s", points: [{ x: 0, y: 0 }, { x: 50, y: 50, yLo: 40, yHi: 60, xLo: 45, xHi: 55 }, { x: 100, y: 100 }] }],
  });

  it("maps x and y linearly from zero to a round maximum", () => {
    expect(svgProblems(svg)).toEqual([]);
    const cx = attrs(svg, /<circle[^>]*>/g, "cx");
    const cy = attrs(svg, /<circle[^>]*>/g, "cy");
    // Equal steps in data are equal steps on the page, y growing upwards.
    expect(cx[1] - cx[0]).toBeCloseTo(cx[2] - cx[1], 0);
    expect(cy[0] - cy[1]).toBeCloseTo(cy[1] - cy[2], 0);
    expect(cy[0]).toBeGreaterThan(cy[2]);
    // The axis reaches a round number past the largest value plus 5% (105 → steps of 50 → 150).
    expect(svg).toContain(">150<");
    expect(svg).not.toContain(">200<");
  });

  it("draws an error bar in each direction spanning lo to hi, centred on its point", () => {
    const bars = [...svg.matchAll(/class="error-bar"[^>]*d="([^"]+)"/g)].map((m) => m[1]);
    expect(bars).toHaveLength(2);
    const cy = attrs(svg, /<circle[^>]*>/g, "cy");
    const cx = attrs(svg, /<circle[^>]*>/g, "cx");
    const unitY = (cy[0] - cy[2]) / 100;
    const unitX = (cx[2] - cx[0]) / 100;
    const [, , y0, y1] = /M([\d.]+) ([\d.]+)V([\d.]+)/.exec(bars[0])!.map(Number);
    expect(Math.abs(y0 - y1) / unitY).toBeCloseTo(20, 0);
    expect((y0 + y1) / 2).toBeCloseTo(cy[1], 0);
    const [, x0, , x1] = /M([\d.]+) ([\d.]+)H([\d.]+)/.exec(bars[1])!.map(Number);
    expect(Math.abs(x1 - x0) / unitX).toBeCloseTo(10, 0);
  });

  it("puts a log axis's decades at equal steps", () => {
    const log = chart({ title: "t", xLabel: "x", yLabel: "y", facts: "f", yLog: true, series: [{ name: "s", points: [{ x: 1, y: 1 }, { x: 2, y: 10 }, { x: 3, y: 100 }] }] });
    expect(svgProblems(log)).toEqual([]);
    const cy = attrs(log, /<circle[^>]*>/g, "cy");
    expect(cy[0] - cy[1]).toBeCloseTo(cy[1] - cy[2], 0);
  });

  it("splits long facts over two lines at a separator", () => {
    const long = chart({ title: "t", xLabel: "x", yLabel: "y", facts: Array.from({ length: 8 }, (_, i) => `fact number ${i} here`).join(" · "), series: [] });
    const lines = [...long.matchAll(/class="facts"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(lines).toHaveLength(2);
    expect(lines.join(" · ")).toBe(Array.from({ length: 8 }, (_, i) => `fact number ${i} here`).join(" · "));
  });
});

describe("the percentile axis", () => {
  it("puts 90% at 1, 99% at 2, 99.9% at 3", () => {
    expect(percentileAxis(0)).toBe(0);
    expect(percentileAxis(90)).toBeCloseTo(1);
    expect(percentileAxis(99)).toBeCloseTo(2);
    expect(percentileAxis(99.9)).toBeCloseTo(3);
    expect(percentileAxis(100)).toBe(Number.POSITIVE_INFINITY);
  });
});

function run(count: number, scale: number): LoadResult {
  const dist: [number, number][] = [[0, 10], [50, 100], [90, 200], [99, 400], [99.9, 800], [99.99, 1600], [100, 5000]];
  return { rps: 1000 * scale, latencyUs: { count, p50: 100 * scale, p99: 400 * scale }, distributionUs: dist.map(([p, us]) => [p, us * scale]) } as unknown as LoadResult;
}

describe("distributionChart", () => {
  it("stops at the percentiles the smallest round can resolve, and bars the rounds' min–max", () => {
    // 2,000 samples: 99.9% (1/1000 of them) is resolved, 99.99% is not.
    const svg = distributionChart({ title: "d", facts: "f", series: [{ name: "a", rounds: [run(2000, 1), run(5000, 2)] }] });
    expect(svgProblems(svg)).toEqual([]);
    expect(svg.match(/<circle/g)).toHaveLength(5);
    expect(svg).toContain(">99.9%<");
    expect(svg).not.toContain(">99.99%<");
    expect(svg.match(/class="error-bar"/g)).toHaveLength(5);
  });
});

const summary = (mode: string, rate: number, rps: number) => ({
  mode, connections: 10, depth: 0, rate, rounds: [], rps, p50Us: rate / 10, p99Us: rate / 2, cpuUsPerRequest: 5, ownerUsPerRequest: 5, rssMiB: 1, benchUsPerRequest: 1, errors: 0, rpsRatio: 1, cpuRatio: 1,
  spread: { rps: spread([rps * 0.98, rps]), p50Us: spread([rate / 10]), p99Us: spread([rate / 2, rate / 1.8]), cpuUsPerRequest: spread([5]) },
});

const lastX = (l: RegExpMatchArray): number => Number(l[3].split(" ").at(-1)!.split(",")[0]);

describe("latencyThroughputChart", () => {
  it("draws a p50 and a p99 line per mode against achieved throughput, one colour per mode", () => {
    const result: CompareResult = {
      modes: [{ name: "a", command: "a" }, { name: "b", command: "b" }],
      baseline: "a",
      rounds: 2,
      summaries: [summary("a", 1000, 1000), summary("b", 1000, 990), summary("a", 4000, 3900), summary("b", 4000, 3000)],
    };
    const svg = latencyThroughputChart(result, { title: "lt", facts: "f" });
    expect(svgProblems(svg)).toEqual([]);
    const lines = [...svg.matchAll(/<polyline class="series" fill="none" stroke="(#\w+)" stroke-width="2.5"( stroke-dasharray="6 4")? points="([^"]+)"/g)];
    expect(lines).toHaveLength(4);
    expect(lines[0][1]).toBe(lines[1][1]);
    expect(lines[2][1]).toBe(lines[3][1]);
    expect(lines[0][1]).not.toBe(lines[2][1]);
    expect(lines.map((l) => l[2] !== undefined)).toEqual([true, false, true, false]);
    // b's second point sits left of a's: it achieved less of the rate asked.
    expect(lastX(lines[2])).toBeLessThan(lastX(lines[0]));
    expect(svg).toContain("bars: min–max of 2 rounds");
  });
});
