import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { scrapeMetrics } from "@pkgindex/server-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { REPO_ROOT, startServer, type ServerProcess } from "./support/server-process.ts";

// docker/ ships a Grafana dashboard and Prometheus alert rules. The rules
// are checked and unit-tested by promtool (Debian's `prometheus` package,
// installed by scripts/ensure-test-tools.sh); every metric the dashboard or
// the rules name must be one a real server exposes.
const run = promisify(execFile);
const DOCKER = path.join(REPO_ROOT, "docker");
const OURS = /\b(?:pkgindex|nodejs|process)_[a-z0-9_]+\b/g;

async function promtool(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run("promtool", args, { cwd: DOCKER });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (e.code === "ENOENT") throw new Error("promtool is not installed (Debian: apt-get install prometheus; scripts/ensure-test-tools.sh does it)", { cause: err });
    return { code: Number(e.code), out: `${e.stdout ?? ""}${e.stderr ?? e.message}` };
  }
}

/** The pkgindex, Node and process metric names a PromQL text mentions. */
function named(text: string): string[] {
  return [...new Set(text.match(OURS) ?? [])];
}

/** Metric names a scrape exposes, histograms with their _bucket/_sum/_count series. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m === null) continue;
    names.add(m[1]);
    if (m[2] === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(m[1] + suffix);
  }
  return names;
}

interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; refId: string }[];
}

const dashboard = JSON.parse(readFileSync(path.join(DOCKER, "grafana-dashboard.json"), "utf8")) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string }[] };
};
const rulesText = readFileSync(path.join(DOCKER, "prometheus-alerts.yml"), "utf8");

describe("Prometheus alert rules", () => {
  it("promtool check rules accepts them", async () => {
    const { code, out } = await promtool("check", "rules", "prometheus-alerts.yml");
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
    expect(code).toBe(0);
  });

  it("promtool test rules: each alert fires on the series that should fire it, and not on healthy ones", async () => {
    const { code, out } = await promtool("test", "rules", "prometheus-alerts.test.yml");
    expect(out).toContain("SUCCESS");
    expect(code).toBe(0);
  });
});

describe("Grafana dashboard and alert rules against a real scrape (--workers 2, sqlite)", () => {
  let server: ServerProcess;
  let dataDir: string;
  let scrape: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "pkgindex-observability-"));
    server = await startServer(["--workers", "2", "--store", "sqlite", "--data-dir", dataDir], {}, { admin: true });
    // Traffic, so every family has series (commits, batches, latencies).
    const c = await LineClient.connect(server.port);
    expect(await c.pipeline(["INDEX|o-a|", "INDEX|o-b|o-a", "QUERY|o-b|", "bad line"])).toEqual(["OK", "OK", "OK", "ERROR"]);
    c.close();
    scrape = await scrapeMetrics(server.adminPort);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the scrape passes promtool check metrics", async () => {
    const child = execFile("promtool", ["check", "metrics"]);
    let out = "";
    child.stdout?.on("data", (d: Buffer) => (out += d));
    child.stderr?.on("data", (d: Buffer) => (out += d));
    const closed = new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
    child.stdin?.end(scrape);
    const code = await closed;
    expect(out).toBe("");
    expect(code).toBe(0);
  });

  it("every panel has a data source, a place and queries; the dashboard can be imported", () => {
    expect(dashboard.uid).toBe("pkgindex");
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(["datasource", "instance"]);
    const graphs = dashboard.panels.filter((p) => p.type !== "row");
    expect(graphs.length).toBeGreaterThan(10);
    const problems = graphs.flatMap((p) => [
      ...(JSON.stringify(p.datasource) === JSON.stringify({ type: "prometheus", uid: "${datasource}" }) ? [] : [`${p.title}: data source`]),
      ...(p.gridPos === undefined ? [`${p.title}: no gridPos`] : []),
      ...((p.targets?.length ?? 0) === 0 ? [`${p.title}: no queries`] : []),
      ...(p.targets ?? []).filter((t) => !t.expr.includes('instance=~"$instance"')).map((t) => `${p.title}: ${t.refId} ignores $instance`),
    ]);
    expect(problems).toEqual([]);
    expect(new Set(dashboard.panels.map((p) => JSON.stringify(p.gridPos))).size).toBe(dashboard.panels.length);
  });

  it("every metric the dashboard and the rules name is exposed by the server", () => {
    const exposed = exposedNames(scrape);
    const inDashboard = named(dashboard.panels.flatMap((p) => p.targets?.map((t) => t.expr) ?? []).join("\n"));
    const inRules = named(rulesText);
    expect(inDashboard.length).toBeGreaterThan(15);
    expect(inRules.length).toBeGreaterThan(8);
    expect(inDashboard.filter((name) => !exposed.has(name))).toEqual([]);
    expect(inRules.filter((name) => !exposed.has(name))).toEqual([]);
  });
});
