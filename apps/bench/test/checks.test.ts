import { describe, expect, it } from "vitest";
import { parseRates } from "../src/cli.ts";
import { machineWarning } from "../src/baseline.ts";
import { figuresOf, parsePortRange, PortPicker, regressionLine, regressions, spread, spreadWarnings } from "../src/index.ts";
import net from "node:net";
import { freePort } from "@pkgindex/server-process";

describe("spreadWarnings", () => {
  it("warns once per figure whose samples disagree by more than the limit", () => {
    const lines = spreadWarnings(
      [
        { label: "c=10 d=1 a", figure: "rps of 3 rounds", spread: spread([100_000, 112_000, 95_000]) },
        { label: "c=10 d=1 b", figure: "rps of 3 rounds", spread: spread([100_000, 105_000, 98_000]) },
        { label: "c=10 d=1 c", figure: "rps of 1 rounds", spread: spread([1]) },
      ],
      10,
    );
    expect(lines).toEqual(["warning: c=10 d=1 a: rps of 3 rounds disagree by 17% (95,000–112,000, median 100,000), more than --max-spread 10%"]);
    expect(spreadWarnings([{ label: "x", figure: "y", spread: spread([100, 117]) }], 20)).toEqual([]);
  });
});

const run = (rps: number, p99: number, cpu: number) => ({
  facts: { machine: { cpuModel: "A", cores: 2, kernel: "k", node: "24", loadavg1: 0 } },
  results: [{ connections: 10, depth: 1, rate: null, linesPerConnection: null, rps, latencyUs: { p99 }, server: { cpuUsPerRequest: cpu }, connectionsPerSecond: null }],
});

describe("the baseline check", () => {
  it("reads run and compare --json outputs alike", () => {
    expect(figuresOf(run(1000, 500, 9))).toEqual([{ key: "c=10 d=1", rps: 1000, p99Us: 500, cpuUsPerRequest: 9, connectionsPerSecond: Number.NaN }]);
    const compare = { summaries: [{ mode: "w0", connections: 10, depth: 0, rate: 2000, rps: 1990, p99Us: 700, cpuUsPerRequest: 4 }, { mode: "w0", connections: 4, depth: 1, rate: null, linesPerConnection: 1, rps: 9, connectionsPerSecond: 9 }] };
    expect(figuresOf(compare).map((f) => f.key)).toEqual(["w0 c=10 rate=2000", "w0 churn c=4 lines=1"]);
    expect(() => figuresOf({ pattern: "closed" })).toThrow("not a bench --json output");
  });

  it("flags each figure worse than the threshold, in the direction that is worse", () => {
    const base = figuresOf(run(1000, 500, 10));
    expect(regressions(figuresOf(run(950, 520, 10.5)), base, 10)).toEqual([]);
    // Faster, lower latency, less CPU: never a regression however large.
    expect(regressions(figuresOf(run(5000, 100, 1)), base, 10)).toEqual([]);
    const found = regressions(figuresOf(run(850, 600, 10)), base, 10);
    expect(found.map((r) => [r.figure, Math.round(r.worsePercent)])).toEqual([["rps", 15], ["p99 µs", 20]]);
    expect(regressionLine(found, "base.json", 10)).toBe("regression against base.json: c=10 d=1 p99 µs 600.0 vs 500.0, 20.0% worse, over --threshold 10% (and 1 more)");
  });

  it("refuses a baseline with no configuration in common", () => {
    const other = figuresOf({ results: [{ connections: 99, depth: 1, rate: null, rps: 1 }] });
    expect(() => regressions(figuresOf(run(1, 1, 1)), other, 10)).toThrow("shares no configuration");
  });

  it("warns when the baseline came from another kind of machine", () => {
    const m = { cpuModel: "A", cores: 2, kernel: "k", node: "24", loadavg1: 0 };
    expect(machineWarning(m, { ...m, loadavg1: 3 })).toBeNull();
    expect(machineWarning(m, { ...m, cores: 8 })).toBe("warning: the baseline was measured on another machine (cores 2 → 8): its figures may not compare");
    expect(machineWarning(null, m)).toBeNull();
  });
});

describe("rates", () => {
  it("spaces a LO..HI sweep evenly on a log scale", () => {
    expect(parseRates("1000..100000", 3)).toEqual([1000, 10_000, 100_000]);
    expect(parseRates("2000..16000", 4)).toEqual([2000, 4000, 8000, 16_000]);
    expect(parseRates("500, 1500", 6)).toEqual([500, 1500]);
    expect(() => parseRates("9..3", 3)).toThrow("0 < LO < HI");
    expect(() => parseRates("fast", 3)).toThrow("--rates must be");
  });
});

describe("--port-range", () => {
  it("parses LO-HI within 1..65535", () => {
    expect(parsePortRange("20000-20010")).toEqual({ from: 20000, to: 20010 });
    expect(parsePortRange("20010-20000")).toBeNull();
    expect(parsePortRange("0-10")).toBeNull();
    expect(parsePortRange("8080")).toBeNull();
  });

  it("skips a port in use, hands out a free one once, then refuses", async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const taken = (busy.address() as net.AddressInfo).port;
    try {
      await expect(new PortPicker({ from: taken, to: taken }).next()).rejects.toThrow(`--port-range ${taken}-${taken}: no free port left`);
      const free = await freePort();
      const picker = new PortPicker({ from: free, to: free });
      expect(await picker.next()).toBe(free);
      await expect(picker.next()).rejects.toThrow("no free port left");
      expect(await new PortPicker(null).next()).toBeUndefined();
    } finally {
      busy.close();
    }
  });
});
