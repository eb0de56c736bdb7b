import { runTlsBench, tlsTable } from "./tls-bench.ts";
import { isPkgIndexError } from "@pkgindex/errors";
import { CLIENT_TLS_OPTIONS, clientTlsFromFlags } from "@pkgindex/tls";
import { ConnectError, DataError } from "@pkgindex/harness";
import { ServerStartError, type ShellServer, startShellServer } from "@pkgindex/server-process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import yargs from "yargs";
import { BaselineError, figuresOf, machineWarning, readBaseline, regressionLine, regressions } from "./baseline.ts";
import { closedShapes, compare, type CompareResult, type Mode, type Shape, shapeLabel } from "./compare.ts";
import { factsLine, runFacts, type RunFacts } from "./facts.ts";
import { int, loadLabel, micros, progressBar, RESULT_HEADER, resultRow, table } from "./format.ts";
import { NoFreePortError, parsePortRange, PortPicker } from "./port-range.ts";
import { rssChart } from "./rss-chart.ts";
import { soak, soakTable, writeSoakReport } from "./soak.ts";
import { type SpreadCheck, spreadWarnings } from "./spread-warnings.ts";
import { formatSweep, writeSweepReport } from "./sweep-report.ts";
import { populate, PopulateError } from "./populate.ts";
import { doublingSteps, findKnee } from "./ramp.ts";
import { displayCommand, formatCompare, markdownTable, writeReport } from "./report.ts";
import { LoadPool, type LoadOptions, type LoadResult } from "./run.ts";
import { commitsTable, runCommits } from "./commits.ts";
import { feedLatencyTable, feedThroughputTable, runFeedLatency, runFeedRate, runFeedThroughput, type FeedLatencyRow, type FeedThroughputRow } from "./feed.ts";
import { rssTable, runRss } from "./rss.ts";
import { attachCommandLineValues } from "./command-line-values.ts";
import { pkgindexCommand, REPO_ROOT, shellQuote } from "./server.ts";
import { runStartup, startupTable } from "./startup.ts";
import { parseLoad, runYardsticks, yardstickTable } from "./yardsticks.ts";
import { nodesTable, parseSetup, runNodes } from "./nodes.ts";
import { buildWorkload, type DataSource, loadData, MIXES, type MixName } from "./workload.ts";

export const EXIT_OK = 0;
/** The run finished but saw connection errors or invalid replies. */
export const EXIT_ERRORS = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANNOT_RUN = 3;
/** A figure is worse than --baseline-file's by more than --threshold. */
export const EXIT_REGRESSION = 4;

export const PATTERNS = ["sequential", "closed", "pipelined", "open", "ramp", "churn"] as const;

class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

function intIn(flag: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`--${flag} must be an integer from ${min} to ${max}${Number.isNaN(v) ? "" : `, got ${v}`}`);
  return v;
}

function positive(flag: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`--${flag} must be a positive number`);
  return v;
}

function intList(flag: string, text: string, min: number, max: number): number[] {
  const list = text.split(",").map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((v) => !Number.isInteger(v) || v < min || v > max)) {
    throw new UsageError(`--${flag} must be a comma-separated list of integers from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return list;
}

const COMMON = {
  mix: { type: "string", default: "mixed", choices: MIXES as unknown as string[], describe: "Request mix" },
  malformed: { type: "number", default: 0, describe: "Percent of requests replaced by malformed lines (on top of the mix)" },
  threads: { type: "number", default: 1, describe: "Load threads (a piscina pool); the connections are split over them" },
  seed: { type: "number", default: 1, describe: "Seed of the request schedule" },
  duration: { type: "number", default: 5, describe: "Seconds measured per run" },
  warmup: { type: "number", default: 1, describe: "Seconds of load before measuring" },
  data: { type: "string", describe: "Package names and dependencies from a brew-format file instead of the generator" },
  packages: { type: "number", default: 10000, describe: "Packages for the built-in generator" },
  "data-seed": { type: "number", default: 1, describe: "Seed of the generated data" },
  "indexed-share": { type: "number", default: 0.5, describe: "Share of packages (a dependency-closed prefix) indexed before the run" },
  json: { type: "boolean", default: false, describe: "Print results as JSON on stdout (with the commit, the machine and the CPU figures)" },
  progress: { type: "boolean", describe: "Progress bar on stderr (default: when stderr is a terminal)" },
  "max-spread": { type: "number", default: 10, describe: "Warn when a figure's rounds (or a single run's intervals) disagree by more than this percent of their median" },
  "baseline-file": { type: "string", describe: "A saved --json output of the same command: exit 4 with one line when a figure is worse by more than --threshold" },
  threshold: { type: "number", default: 10, describe: "Percent a figure (rps, connections/s, p99, server CPU per request) may be worse than --baseline-file's" },
  "port-range": { type: "string", describe: "Ports for the servers the bench starts, LO-HI (default: the OS picks)" },
} as const;

function commonOptions(args: Record<string, unknown>) {
  const source: DataSource = {
    dataPath: args.data as string | undefined,
    packages: intIn("packages", args.packages as number, 1, 10_000_000),
    dataSeed: intIn("data-seed", args["data-seed"] as number, 0, 2 ** 32 - 1),
  };
  const malformed = args.malformed as number;
  if (!Number.isFinite(malformed) || malformed < 0 || malformed > 100) throw new UsageError("--malformed must be a percentage from 0 to 100");
  const share = args["indexed-share"] as number;
  if (!(share > 0 && share <= 1)) throw new UsageError("--indexed-share must be in (0, 1]");
  return {
    mix: args.mix as MixName,
    malformed,
    threads: intIn("threads", args.threads as number, 1, 64),
    seed: intIn("seed", args.seed as number, 0, 2 ** 31 - 1),
    durationMs: positive("duration", args.duration as number) * 1000,
    warmupMs: (args.warmup as number) >= 0 ? (args.warmup as number) * 1000 : Number.NaN,
    source,
    indexedShare: share,
    json: args.json as boolean,
    progress: (args.progress as boolean | undefined) ?? process.stderr.isTTY === true,
    maxSpread: nonNegative("max-spread", args["max-spread"] as number),
    baselineFile: args["baseline-file"] as string | undefined,
    // Read before measuring: a wrong path should not cost a whole run.
    baseline: args["baseline-file"] === undefined ? null : readBaseline(args["baseline-file"] as string),
    threshold: nonNegative("threshold", args.threshold as number),
    ports: new PortPicker(args["port-range"] === undefined ? null : (parsePortRange(args["port-range"] as string) ?? fail(`--port-range must be LO-HI, ports from 1 to 65535, got ${JSON.stringify(args["port-range"])}`))),
  };
}

function nonNegative(flag: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new UsageError(`--${flag} must be zero or a positive number`);
  return v;
}

/** pkgindex modes (`--workers`) and `--external NAME=COMMAND` servers, for compare, sweep and soak. */
function parseModes(args: Record<string, unknown>): Mode[] {
  const workers = (args.workers as string).trim() === "" ? [] : intList("workers", args.workers as string, 0, 256);
  const modes: Mode[] = workers.map((w) => ({ name: `pkgindex-w${w}`, command: pkgindexCommand(`--workers ${w} ${args["pkgindex-args"] as string}`) }));
  for (const spec of args.external as string[]) {
    const eq = spec.indexOf("=");
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--external must be NAME=COMMAND, got ${JSON.stringify(spec)}`);
    modes.push({ name: spec.slice(0, eq), command: spec.slice(eq + 1) });
  }
  if (modes.length === 0) throw new UsageError("--workers and --external name no server");
  if (new Set(modes.map((m) => m.name)).size !== modes.length) throw new UsageError("--external names must be unique and differ from pkgindex-w<N>");
  return modes;
}

const MODE_OPTIONS = {
  workers: { type: "string", default: "0,3", describe: "pkgindex modes: --workers values, comma-separated" },
  "pkgindex-args": { type: "string", default: "--store memory", describe: "Extra serve flags for every pkgindex mode" },
  external: { type: "string", array: true, default: [] as string[], describe: 'Another server as NAME=COMMAND, {port} replaced (e.g. "goref=/tmp/goref -addr 127.0.0.1:{port}"); repeatable' },
} as const;

/** `a,b,c`, or `LO..HI` with `steps` rates spaced evenly on a log scale (a sweep needs as many points near saturation as far below it). */
export function parseRates(text: string, steps: number): number[] {
  const m = /^\s*(\d+(?:\.\d+)?)\s*\.\.\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (m !== null) {
    const [lo, hi] = [Number(m[1]), Number(m[2])];
    if (!(lo > 0 && hi > lo)) throw new UsageError(`--rates LO..HI needs 0 < LO < HI, got ${JSON.stringify(text)}`);
    if (steps < 2) throw new UsageError("--steps must be at least 2 with --rates LO..HI");
    return Array.from({ length: steps }, (_, k) => Math.round(lo * (hi / lo) ** (k / (steps - 1))));
  }
  const list = text.split(",").map((x) => Number(x.trim()));
  if (list.length === 0 || list.some((r) => !Number.isFinite(r) || r <= 0)) throw new UsageError(`--rates must be LO..HI or a comma-separated list of positive rates, got ${JSON.stringify(text)}`);
  return list;
}

type Common = ReturnType<typeof commonOptions>;

/**
 * What every command does after measuring: spread warnings on stderr, then
 * the check against a saved baseline. Returns the exit code the figures
 * call for (`ok` when they are fine).
 */
function judge(common: Common, json: unknown, facts: RunFacts, warnings: string[], ok: number): number {
  for (const w of warnings) console.error(w);
  const saved = common.baseline;
  if (saved === null || common.baselineFile === undefined) return ok;
  const mw = machineWarning(saved.machine, facts.machine);
  if (mw !== null) console.error(mw);
  const found = regressions(figuresOf(json), saved.figures, common.threshold);
  if (found.length === 0) return ok;
  console.error(`pkgindex-bench: ${regressionLine(found, common.baselineFile, common.threshold)}`);
  return EXIT_REGRESSION;
}

function compareChecks(result: CompareResult): SpreadCheck[] {
  return result.summaries.flatMap((s) => [
    { label: `${shapeLabel(s)} ${s.mode}`, figure: `rps of ${s.rounds.length} rounds`, spread: s.spread.rps },
    { label: `${shapeLabel(s)} ${s.mode}`, figure: `server CPU per request of ${s.rounds.length} rounds`, spread: s.spread.cpuUsPerRequest },
  ]);
}

function parser(argv: string[]) {
  return yargs(attachCommandLineValues(argv))
    .scriptName("pkgindex-bench")
    .parserConfiguration({ "camel-case-expansion": false })
    .command(["run", "$0"], "Put one load pattern on a server and measure it", (y) =>
      y.options({
        host: { type: "string", default: "127.0.0.1", describe: "Server host (when not starting one)" },
        port: { type: "number", default: 8080, describe: "Server port (when not starting one)" },
        pid: { type: "number", describe: "The server's pid: report its CPU per request and RSS (Linux /proc)" },
        pkgindex: { type: "string", describe: 'Start pkgindex with these extra serve flags (e.g. "--workers 3 --store memory") and measure it' },
        start: { type: "string", describe: "Start this shell command as the server; {port} is replaced by a free port" },
        pattern: { type: "string", default: "closed", choices: PATTERNS as unknown as string[], describe: "sequential: 1 connection, depth 1; closed: C connections, depth 1; pipelined: depth k; open: fixed arrival --rate; ramp: closed loop at doubling connection counts up to C; churn: C clients, each connection sends --lines lines and closes" },
        lines: { type: "number", describe: "churn: lines each connection sends before it closes (default 1)" },
        "rss-chart": { type: "string", describe: "Write an SVG of the server's RSS over each run to this file (needs --pid or a server the bench starts)" },
        connections: { type: "number", default: 10, describe: "Connections (C)" },
        depth: { type: "number", describe: "Requests in flight per connection (default 1; pipelined: 8)" },
        rate: { type: "number", describe: "open: total requests per second" },
        populate: { type: "boolean", default: true, describe: "Index the workload's packages before measuring (--no-populate to skip)" },
        ...CLIENT_TLS_OPTIONS,
        ...COMMON,
      }),
    )
    .command("compare", "Start pkgindex in several modes (and external servers), interleave rounds, report medians and ratios", (y) =>
      y.options({
        ...MODE_OPTIONS,
        connections: { type: "string", default: "10,100", describe: "Connection counts, comma-separated" },
        depth: { type: "string", default: "1,8", describe: "Depths, comma-separated" },
        rounds: { type: "number", default: 3, describe: "Rounds (medians are taken over them)" },
        baseline: { type: "string", describe: "Mode the ratios are to (default: the first)" },
        report: { type: "string", describe: "Write report.md and SVG charts into this directory" },
        ...COMMON,
        duration: { type: "number", default: 3, describe: "Seconds measured per run" },
      }),
    )
    .command("sweep", "Open-loop rate sweep: latency (p50, p99, distribution) against achieved throughput, modes interleaved", (y) =>
      y.options({
        ...MODE_OPTIONS,
        rates: { type: "string", default: "5000..80000", describe: "Total requests/s to send: LO..HI (--steps rates, log-spaced) or a comma-separated list" },
        steps: { type: "number", default: 6, describe: "Rates in a LO..HI sweep" },
        connections: { type: "number", default: 50, describe: "Connections sharing each rate" },
        rounds: { type: "number", default: 3, describe: "Rounds (medians are taken over them)" },
        report: { type: "string", describe: "Write report.md, latency-vs-throughput.svg and latency distributions into this directory" },
        ...COMMON,
        duration: { type: "number", default: 3, describe: "Seconds measured per rate" },
      }),
    )
    .command("soak", "Steady load plus churn for a long time: RSS start, peak, end and its slope after the first minute", (y) =>
      y.options({
        ...MODE_OPTIONS,
        workers: { type: "string", default: "0", describe: "pkgindex modes, soaked one after the other: --workers values, comma-separated" },
        connections: { type: "number", default: 100, describe: "Connections of the steady load" },
        depth: { type: "number", default: 8, describe: "Requests in flight per steady connection" },
        "churn-clients": { type: "number", default: 1, describe: "Churning clients beside the steady load (connect, --lines lines, close, again)" },
        lines: { type: "number", default: 1, describe: "Lines per churning connection" },
        settle: { type: "number", default: 60, describe: "Seconds after which the RSS slope is fitted" },
        report: { type: "string", describe: "Write report.md and rss-over-time.svg into this directory" },
        ...COMMON,
        duration: { type: "number", default: 600, describe: "Seconds of soak per mode" },
      }),
    )
    .command("yardsticks", "pkgindex layouts beside goref and okserver under ../shared/bench's Go loadgen (DESIGN.md §6), interleaved rounds, medians and ratios", (y) =>
      y.options({
        rounds: { type: "number", default: 3, describe: "Rounds (medians are taken over them)" },
        duration: { type: "string", default: "2s", describe: "loadgen's -d per load" },
        modes: { type: "string", default: "0,1,2,3", describe: "pkgindex --workers values, comma-separated" },
        loads: { type: "string", default: "c100d1mixed,c100d8mixed,c10d1mixed,c10d8mixed,c100d1index,c100d8index,c10d1index,c10d8index", describe: "Loads cCdDmix: C connections, D in flight each, loadgen's -mix" },
        store: { type: "string", default: "memory", describe: "pkgindex --store (when no --variants)" },
        variants: { type: "string", default: "", describe: 'pkgindex variants per mode, "label=flags;label=flags" (overrides --store)' },
        yardsticks: { type: "boolean", default: true, describe: "Run goref and okserver too (--no-yardsticks: pkgindex only; ratios to the first variant)" },
        "goref-one-core": { type: "boolean", default: false, describe: "Also goref with GOMAXPROCS=1: the peer on the one core --workers 0 uses" },
        loadgen: { type: "string", default: "/tmp/loadgen", describe: "The loadgen binary" },
        goref: { type: "string", default: "/tmp/goref", describe: "The goref binary" },
        okserver: { type: "string", default: "/tmp/okserver", describe: "The okserver binary" },
        data: { type: "string", default: path.join(REPO_ROOT, "../shared/data/brew-dependencies.txt"), describe: "Brew-format file loadgen takes names from" },
        out: { type: "string", describe: "Also write the Markdown table to this file" },
      }),
    )
    .command("nodes", "Scale-out: one node on SQLite beside N nodes sharing one PostgreSQL (a throwaway cluster), a loadgen per node, interleaved rounds", (y) =>
      y.options({
        rounds: { type: "number", default: 3, describe: "Rounds (medians are taken over them)" },
        duration: { type: "string", default: "2s", describe: "loadgen's -d per load" },
        setups: { type: "string", default: "sqlite1,pg1,pg2,pg3", describe: "sqlite1 and/or pgN (N nodes on one PostgreSQL), comma-separated" },
        loads: { type: "string", default: "c100d1mixed,c100d8mixed,c100d1index,c100d8index", describe: "Loads cCdDmix: C connections in all (split over the nodes), D in flight each, loadgen's -mix" },
        workers: { type: "number", default: 0, describe: "--workers of every node" },
        loadgen: { type: "string", default: "/tmp/loadgen", describe: "The loadgen binary" },
        data: { type: "string", default: path.join(REPO_ROOT, "../shared/data/brew-dependencies.txt"), describe: "Brew-format file loadgen takes names from" },
        out: { type: "string", describe: "Also write the Markdown table to this file" },
      }),
    )
    .command("rss", "RSS of goref and of pkgindex in each layout after indexing many packages (DESIGN.md §4)", (y) =>
      y.options({
        packages: { type: "number", default: 200_000, describe: "Packages to index, up to five dependencies each" },
        modes: { type: "string", default: "0,1,3", describe: "pkgindex --workers values, comma-separated" },
        goref: { type: "string", default: "/tmp/goref", describe: "The goref binary" },
        rounds: { type: "number", default: 3, describe: "Rounds, every server started afresh in each (the table gives the median and min–max)" },
      }),
    )
    .command("startup", "Time from spawning pkgindex serve on a large SQLite index to its listening line, layouts alternated", (y) =>
      y.options({
        packages: { type: "number", default: 200_000, describe: "Packages in the index, up to five dependencies each" },
        modes: { type: "string", default: "0,3", describe: "pkgindex --workers values, comma-separated" },
        rounds: { type: "number", default: 3, describe: "Starts per layout" },
      }),
    )
    .command("tls", "TLS by layout: new-connection handshakes/s and steady rps over TLS (100 connections, mixed), server CPU per handshake and per request; layouts interleaved", (y) =>
      y.options({
        modes: { type: "string", default: "0,1,2,3", describe: "pkgindex --workers values, comma-separated" },
        rounds: { type: "number", default: 3, describe: "Rounds (medians and min–max over them)" },
        depths: { type: "string", default: "1,8", describe: "Depths of the steady runs, comma-separated" },
        duration: { type: "number", default: 2, describe: "Seconds measured per figure" },
        "handshake-loops": { type: "number", default: 16, describe: "Connections churning at once for the connection rate (each: connect, one line, its reply, close, again)" },
        plain: { type: "boolean", default: true, describe: "Also each layout over plain TCP (--no-plain to skip)" },
        haproxy: { type: "boolean", default: true, describe: "Also HAProxy terminating TLS (docker/haproxy-tls.cfg) in front of plain --workers 0 (--no-haproxy to skip)" },
      }),
    )
    .command("commits", "Commits per second and commands per batch and per commit under churn, from pkgindex's own /metrics", (y) =>
      y.options({
        modes: { type: "string", default: "0,3", describe: "pkgindex --workers values, comma-separated" },
        syncs: { type: "string", default: "full,normal,off", describe: "--sync values, comma-separated" },
        depths: { type: "string", default: "1,8", describe: "Depths, comma-separated" },
        connections: { type: "number", default: 100, describe: "Connections" },
        duration: { type: "number", default: 3, describe: "Seconds measured per line" },
        rounds: { type: "number", default: 3, describe: "Rounds (the table gives the median and min–max)" },
      }),
    )
    .command("feed", "Change feed: commit-to-delivery latency with 1, 100, 1,000 streams, changes per second, and command throughput with and without 1,000 streams attached", (y) =>
      y.options({
        modes: { type: "string", default: "0,2", describe: "pkgindex --workers values, comma-separated" },
        store: { type: "string", default: "sqlite", choices: ["sqlite", "memory"], describe: "pkgindex --store (sqlite with its default --sync full)" },
        subscribers: { type: "string", default: "1,100,1000", describe: "Stream counts for the latency runs, comma-separated" },
        changes: { type: "number", default: 1000, describe: "Changes per latency run" },
        rate: { type: "number", default: 200, describe: "Changes per second the latency runs' writer sends" },
        attached: { type: "number", default: 1000, describe: "Streams attached in the throughput rounds" },
        "feed-mixes": { type: "string", default: "mixed,write-heavy", describe: "Mixes of the throughput rounds, comma-separated" },
        connections: { type: "number", default: 100, describe: "Connections of the throughput rounds" },
        depth: { type: "number", default: 1, describe: "Depth of the throughput rounds" },
        rounds: { type: "number", default: 3, describe: "Interleaved rounds (without, with) per layout" },
        duration: { type: "number", default: 3, describe: "Seconds measured per throughput round and per rate run" },
      }),
    )
    .strict()
    .option("dry-run", { type: "boolean", default: false, global: true, hidden: true, describe: "Parse the arguments, print them as JSON and exit without connecting (the README test checks every example line so)" })
    .version(false)
    .help()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      throw err ?? new UsageError(msg.replace(/\s*\n\s*/g, " "));
    });
}

/** Runs the CLI and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  let args: Record<string, unknown>;
  try {
    args = parser(argv).parseSync() as Record<string, unknown>;
  } catch (err) {
    console.error(`pkgindex-bench: ${(err as Error).message}`);
    return EXIT_USAGE;
  }
  if (args["dry-run"] === true) {
    console.log(JSON.stringify(args));
    return 0;
  }
  const command = (args._ as string[])[0] ?? "run";
  try {
    switch (command) {
      case "compare":
        return await runCompare(args, argv);
      case "sweep":
        return await runSweep(args, argv);
      case "soak":
        return await runSoak(args, argv);
      case "yardsticks":
        return await yardsticksCommand(args);
      case "nodes":
        return await nodesCommand(args);
      case "rss":
        return await rssCommand(args);
      case "startup":
        return await startupCommand(args);
      case "commits":
        return await commitsCommand(args);
      case "feed":
        return await feedCommand(args);
      case "tls":
        return await tlsCommand(args);
      default:
        return await runOne(args);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof BaselineError || isPkgIndexError(err)) {
      console.error(`pkgindex-bench: ${err.message}`);
      return EXIT_USAGE;
    }
    if (err instanceof NoFreePortError || err instanceof ServerStartError || err instanceof PopulateError || err instanceof ConnectError || err instanceof DataError) {
      if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
      console.error(`pkgindex-bench: ${err.message}`);
      return EXIT_CANNOT_RUN;
    }
    throw err;
  }
}

function progressPrinter(enabled: boolean) {
  const live = enabled && process.stderr.isTTY === true;
  return {
    update(line: string): void {
      if (live) process.stderr.write(`\r\x1b[K${line}`);
    },
    done(line?: string): void {
      if (live) process.stderr.write("\r\x1b[K");
      if (enabled && line !== undefined) process.stderr.write(`${line}\n`);
    },
  };
}

async function runOne(args: Record<string, unknown>): Promise<number> {
  const common = commonOptions(args);
  if (Number.isNaN(common.warmupMs)) throw new UsageError("--warmup must be zero or more seconds");
  const pattern = args.pattern as (typeof PATTERNS)[number];
  let connections = intIn("connections", args.connections as number, 1, 100_000);
  let depth = args.depth === undefined ? (pattern === "pipelined" ? 8 : 1) : intIn("depth", args.depth as number, 1, 100_000);
  if (pattern === "sequential") {
    connections = 1;
    depth = 1;
  }
  let rate: number | undefined;
  if (pattern === "open") {
    if (args.rate === undefined) throw new UsageError("--rate is required with --pattern open");
    rate = positive("rate", args.rate as number);
  } else if (args.rate !== undefined) {
    throw new UsageError("--rate only applies to --pattern open");
  }
  let linesPerConnection: number | undefined;
  if (pattern === "churn") linesPerConnection = args.lines === undefined ? 1 : intIn("lines", args.lines as number, 1, 1_000_000);
  else if (args.lines !== undefined) throw new UsageError("--lines only applies to --pattern churn");
  if (args.pkgindex !== undefined && args.start !== undefined) throw new UsageError("--pkgindex and --start both start a server: give one");
  const tls = clientTlsFromFlags(args as { tls?: boolean });
  if (args["rss-chart"] !== undefined && args.pkgindex === undefined && args.start === undefined && args.pid === undefined) throw new UsageError("--rss-chart needs the server's --pid, or --pkgindex or --start");

  let server: ShellServer | null = null;
  if (args.pkgindex !== undefined) server = await startShellServer("pkgindex", pkgindexCommand(args.pkgindex as string), { port: await common.ports.next() });
  else if (args.start !== undefined) server = await startShellServer("server", args.start as string, { port: await common.ports.next() });
  const pool = new LoadPool(common.threads);
  try {
    const host = server !== null ? "127.0.0.1" : (args.host as string);
    const port = server !== null ? server.port : intIn("port", args.port as number, 1, 65535);
    const pid = server?.pid ?? (args.pid as number | undefined);
    const workload = buildWorkload(loadData(common.source), common.indexedShare);
    if (args.populate as boolean) await populate(host, port, workload, undefined, tls);
    const progress = progressPrinter(common.progress);
    const base: LoadOptions = { ...common, host, port, tls, connections, depth, rate, pid, linesPerConnection };
    const steps = pattern === "ramp" ? doublingSteps(connections) : [connections];
    const facts = runFacts({ rounds: 1, durationS: common.durationMs / 1000, warmupS: common.warmupMs / 1000 });
    const results: LoadResult[] = [];
    for (const c of steps) {
      const label = pattern === "ramp" ? `ramp c=${c}` : pattern;
      const r = await pool.run({
        ...base,
        connections: c,
        onProgress: (p) => progress.update(progressBar(label, p.elapsedMs, p.durationMs, p.replies)),
      });
      progress.done(pattern === "ramp" ? `${label}: ${int(r.rps)} rps, p99 ${micros(r.latencyUs.p99)}` : undefined);
      results.push(r);
    }
    const knee = pattern === "ramp" ? findKnee(results) : null;
    const target = server !== null ? displayCommand(server.command) : `${host}:${port}${pid !== undefined && common.json === false ? ` (pid ${pid})` : ""}`;
    const json = { facts, pattern, target, mix: common.mix, malformed: common.malformed, results, knee: knee === null ? null : results[knee] };
    if (common.json) {
      console.log(JSON.stringify(json, null, 2));
    } else {
      console.log(`${pattern} load on ${target}, mix ${common.mix}${common.malformed > 0 ? ` + ${common.malformed}% malformed` : ""}, ${common.durationMs / 1000}s after ${common.warmupMs / 1000}s warm-up, ${common.threads} load thread(s)`);
      console.log(`commit ${facts.commit}, ${facts.machine.cores} cores (${facts.machine.cpuModel}), ${facts.machine.kernel}, Node ${facts.machine.node}, load average ${facts.machine.loadavg1}`);
      console.log(table(RESULT_HEADER, results.map((r) => resultRow(loadLabel(r), r))));
      if (knee !== null) {
        const k = results[knee];
        console.log(`knee: ${k.connections} connections, ${int(k.rps)} rps, p99 ${micros(k.latencyUs.p99)} (the fewest connections within 10% of the peak throughput)`);
      }
      for (const r of results) if (r.firstError !== null) console.log(`errors at ${loadLabel(r)}: ${r.errors}, first: ${r.firstError}`);
    }
    if (args["rss-chart"] !== undefined) {
      writeFileSync(args["rss-chart"] as string, rssChart({ title: `Server RSS during ${pattern} load`, series: results.map((r) => ({ name: loadLabel(r), samples: r.server?.rss.samples ?? [] })), facts: factsLine(facts) }));
    }
    const warnings = spreadWarnings(
      results.flatMap((r) => [
        { label: loadLabel(r), figure: `rps of ${r.rpsIntervals.n} intervals`, spread: r.rpsIntervals },
        ...(r.connectionIntervals === null ? [] : [{ label: loadLabel(r), figure: `connections/s of ${r.connectionIntervals.n} intervals`, spread: r.connectionIntervals }]),
      ]),
      common.maxSpread,
    );
    return judge(common, json, facts, warnings, results.some((r) => r.errors > 0) ? EXIT_ERRORS : EXIT_OK);
  } finally {
    await pool.close();
    await server?.stop();
  }
}

async function runCompare(args: Record<string, unknown>, argv: string[]): Promise<number> {
  const common = commonOptions(args);
  if (Number.isNaN(common.warmupMs)) throw new UsageError("--warmup must be zero or more seconds");
  const modes = parseModes(args);
  const baseline = (args.baseline as string | undefined) ?? modes[0].name;
  if (!modes.some((m) => m.name === baseline)) throw new UsageError(`--baseline ${baseline} is not one of the modes: ${modes.map((m) => m.name).join(", ")}`);
  const connections = intList("connections", args.connections as string, 1, 100_000);
  const depths = intList("depth", args.depth as string, 1, 100_000);
  const rounds = intIn("rounds", args.rounds as number, 1, 1000);
  return compareLike(common, argv, { modes, baseline, rounds, shapes: closedShapes(connections, depths), report: args.report as string | undefined, sweep: false });
}

async function runSweep(args: Record<string, unknown>, argv: string[]): Promise<number> {
  const common = commonOptions(args);
  if (Number.isNaN(common.warmupMs)) throw new UsageError("--warmup must be zero or more seconds");
  const modes = parseModes(args);
  const connections = intIn("connections", args.connections as number, 1, 100_000);
  const rates = parseRates(args.rates as string, intIn("steps", args.steps as number, 1, 100));
  const rounds = intIn("rounds", args.rounds as number, 1, 1000);
  return compareLike(common, argv, { modes, baseline: modes[0].name, rounds, shapes: rates.map((rate) => ({ connections, depth: 0, rate })), report: args.report as string | undefined, sweep: true });
}

/** compare and sweep: interleaved rounds over shapes, then tables, report, warnings and the baseline check. */
async function compareLike(common: Common, argv: string[], o: { modes: Mode[]; baseline: string; rounds: number; shapes: Shape[]; report: string | undefined; sweep: boolean }): Promise<number> {
  const workload = buildWorkload(loadData(common.source), common.indexedShare);
  const pool = new LoadPool(common.threads);
  const progress = progressPrinter(common.progress);
  try {
    const facts = runFacts({ rounds: o.rounds, durationS: common.durationMs / 1000, warmupS: common.warmupMs / 1000 });
    const result = await compare(pool, {
      modes: o.modes,
      shapes: o.shapes,
      rounds: o.rounds,
      baseline: o.baseline,
      workload,
      ports: common.ports,
      load: { mix: common.mix, malformed: common.malformed, seed: common.seed, durationMs: common.durationMs, warmupMs: common.warmupMs, source: common.source, indexedShare: common.indexedShare },
      onProgress: (label, elapsed, duration, replies) => progress.update(progressBar(label, elapsed, duration, replies)),
      onRun: (label, r) => progress.done(`${label}: ${int(r.rps)} rps, p99 ${micros(r.latencyUs.p99)}, ${r.server === null ? "-" : r.server.cpuUsPerRequest.toFixed(1)} µs/req`),
    });
    const commandLine = `pnpm bench ${argv.map(shellQuote).join(" ")}`;
    const warnings = spreadWarnings(compareChecks(result), common.maxSpread);
    if (o.report !== undefined) {
      const meta = { command: commandLine, mix: common.mix, facts, warnings };
      if (o.sweep) writeSweepReport(o.report, result, meta);
      else writeReport(o.report, result, meta);
    }
    const json = { command: commandLine, facts, mix: common.mix, ...result };
    if (common.json) console.log(JSON.stringify(json, null, 2));
    else {
      console.log(`${o.sweep ? "sweep" : "compare"}, mix ${common.mix}: ${o.modes.map((m) => m.name).join(", ")}; ${o.rounds} rounds of ${common.durationMs / 1000}s; commit ${facts.commit}, ${facts.machine.cores} cores`);
      console.log(o.sweep ? formatSweep(result) : formatCompare(result));
      if (o.report !== undefined) console.log(`report written to ${o.report}/report.md`);
    }
    return judge(common, json, facts, warnings, result.summaries.some((s) => s.errors > 0) ? EXIT_ERRORS : EXIT_OK);
  } finally {
    await pool.close();
  }
}

async function runSoak(args: Record<string, unknown>, argv: string[]): Promise<number> {
  const common = commonOptions(args);
  if (Number.isNaN(common.warmupMs)) throw new UsageError("--warmup must be zero or more seconds");
  const modes = parseModes(args);
  const connections = intIn("connections", args.connections as number, 1, 100_000);
  const depth = intIn("depth", args.depth as number, 1, 100_000);
  const churnClients = intIn("churn-clients", args["churn-clients"] as number, 1, 10_000);
  const lines = intIn("lines", args.lines as number, 1, 1_000_000);
  const settleS = nonNegative("settle", args.settle as number);
  const workload = buildWorkload(loadData(common.source), common.indexedShare);
  // The steady load and the churn each need a load thread of their own.
  const pool = new LoadPool(2);
  const progress = progressPrinter(common.progress);
  try {
    const facts = runFacts({ rounds: 1, durationS: common.durationMs / 1000, warmupS: common.warmupMs / 1000 });
    const runs = await soak(pool, {
      modes,
      connections,
      depth,
      churnClients,
      lines,
      settleS,
      workload,
      ports: common.ports,
      load: { mix: common.mix, malformed: common.malformed, seed: common.seed, durationMs: common.durationMs, warmupMs: common.warmupMs, source: common.source, indexedShare: common.indexedShare },
      onProgress: (label, elapsed, duration, replies) => progress.update(progressBar(label, elapsed, duration, replies)),
    });
    progress.done();
    const commandLine = `pnpm bench ${argv.map(shellQuote).join(" ")}`;
    const warnings = spreadWarnings(
      runs.flatMap((r) => [
        { label: `soak ${r.mode}`, figure: `steady rps of ${r.steady.rpsIntervals.n} intervals`, spread: r.steady.rpsIntervals },
        ...(r.churn.connectionIntervals === null ? [] : [{ label: `soak ${r.mode}`, figure: `churn connections/s of ${r.churn.connectionIntervals.n} intervals`, spread: r.churn.connectionIntervals }]),
      ]),
      common.maxSpread,
    );
    if (args.report !== undefined) writeSoakReport(args.report as string, runs, { command: commandLine, facts, connections, depth, churnClients, lines, mix: common.mix, warnings });
    // The baseline check reads the steady load's figures (per mode) and the churn's connections/s.
    const summaries = runs.flatMap((r) => [
      { mode: r.mode, ...r.steady, cpuUsPerRequest: r.steady.server?.cpuUsPerRequest },
      // The churn's key says churn already (its lines per connection).
      { mode: r.mode, ...r.churn, cpuUsPerRequest: Number.NaN },
    ]);
    const json = { command: commandLine, facts, mix: common.mix, runs, summaries: summaries.map((x) => ({ mode: x.mode, connections: x.connections, depth: x.depth, rate: x.rate, linesPerConnection: x.linesPerConnection, rps: x.rps, p99Us: x.latencyUs.p99, cpuUsPerRequest: x.cpuUsPerRequest, connectionsPerSecond: x.connectionsPerSecond })) };
    if (common.json) console.log(JSON.stringify(json, null, 2));
    else {
      console.log(`soak, mix ${common.mix} c=${connections} d=${depth} + ${churnClients} churning client(s), ${common.durationMs / 1000}s per mode; commit ${facts.commit}, ${facts.machine.cores} cores`);
      console.log(soakTable(runs));
      if (args.report !== undefined) console.log(`report written to ${args.report as string}/report.md`);
    }
    return judge(common, json, facts, warnings, runs.some((r) => r.steady.errors + r.churn.errors > 0) ? EXIT_ERRORS : EXIT_OK);
  } finally {
    await pool.close();
  }
}

const printJson = (record: object): void => {
  console.log(JSON.stringify(record));
};

async function yardsticksCommand(args: Record<string, unknown>): Promise<number> {
  const loads = (args.loads as string).split(",").map((key) => parseLoad(key.trim()) ?? fail(`--loads: ${JSON.stringify(key)} is not cCdDmix (e.g. c100d8mixed)`));
  const variants: [string, string[]][] =
    (args.variants as string) === ""
      ? [["", ["--store", args.store as string]]]
      : (args.variants as string).split(";").map((v) => {
          const eq = v.indexOf("=");
          if (eq <= 0) fail(`--variants must be label=flags;label=flags, got ${JSON.stringify(v)}`);
          return [v.slice(0, eq), v.slice(eq + 1).split(" ").filter(Boolean)];
        });
  const { labels, results } = await runYardsticks({
    rounds: intIn("rounds", args.rounds as number, 1, 1000),
    duration: args.duration as string,
    modes: intList("modes", args.modes as string, 0, 256),
    loads,
    variants,
    yardsticks: args.yardsticks as boolean,
    gorefOneCore: args["goref-one-core"] as boolean,
    loadgen: args.loadgen as string,
    goref: args.goref as string,
    okserver: args.okserver as string,
    data: args.data as string,
    log: printJson,
  });
  const markdown = yardstickTable(labels, loads, results);
  console.log(`\n${markdown}`);
  if (args.out !== undefined) writeFileSync(args.out as string, `${markdown}\n`);
  return EXIT_OK;
}

async function nodesCommand(args: Record<string, unknown>): Promise<number> {
  const loads = (args.loads as string).split(",").map((key) => parseLoad(key.trim()) ?? fail(`--loads: ${JSON.stringify(key)} is not cCdDmix (e.g. c100d8mixed)`));
  const setups = (args.setups as string).split(",").map((key) => parseSetup(key.trim()) ?? fail(`--setups: ${JSON.stringify(key)} is not sqlite1 or pgN (e.g. pg3)`));
  const results = await runNodes({
    rounds: intIn("rounds", args.rounds as number, 1, 1000),
    duration: args.duration as string,
    setups,
    loads,
    workers: intIn("workers", args.workers as number, 0, 256),
    loadgen: args.loadgen as string,
    data: args.data as string,
    log: printJson,
  });
  const markdown = nodesTable(setups, loads, results);
  console.log(`\n${markdown}`);
  if (args.out !== undefined) writeFileSync(args.out as string, `${markdown}\n`);
  return EXIT_OK;
}

async function rssCommand(args: Record<string, unknown>): Promise<number> {
  const rows = await runRss({ packages: intIn("packages", args.packages as number, 1, 10_000_000), modes: intList("modes", args.modes as string, 0, 256), goref: args.goref as string, rounds: intIn("rounds", args.rounds as number, 1, 1000), log: printJson });
  console.log(`\n${rssTable(rows)}`);
  return rows.every((r) => r.ok === r.packages) ? EXIT_OK : EXIT_ERRORS;
}

async function startupCommand(args: Record<string, unknown>): Promise<number> {
  const runs = await runStartup({
    packages: intIn("packages", args.packages as number, 1, 10_000_000),
    modes: intList("modes", args.modes as string, 0, 256),
    rounds: intIn("rounds", args.rounds as number, 1, 1000),
    note: (line) => console.log(line),
  });
  console.log(startupTable(runs));
  return EXIT_OK;
}

async function tlsCommand(args: Record<string, unknown>): Promise<number> {
  const pool = new LoadPool(1);
  try {
    const rows = await runTlsBench(pool, {
      modes: intList("modes", args.modes as string, 0, 256),
      rounds: intIn("rounds", args.rounds as number, 1, 100),
      depths: intList("depths", args.depths as string, 1, 100_000),
      durationMs: positive("duration", args.duration as number) * 1000,
      handshakeLoops: intIn("handshake-loops", args["handshake-loops"] as number, 1, 1000),
      plain: args.plain as boolean,
      haproxy: args.haproxy as boolean,
      log: printJson,
    });
    console.log(`\n${tlsTable(rows)}`);
    return EXIT_OK;
  } finally {
    await pool.close();
  }
}

async function commitsCommand(args: Record<string, unknown>): Promise<number> {
  const pool = new LoadPool(1);
  try {
    const rows = await runCommits(pool, {
      modes: intList("modes", args.modes as string, 0, 256),
      syncs: (args.syncs as string).split(",").map((s) => s.trim()),
      depths: intList("depths", args.depths as string, 1, 100_000),
      connections: intIn("connections", args.connections as number, 1, 100_000),
      durationMs: positive("duration", args.duration as number) * 1000,
      rounds: intIn("rounds", args.rounds as number, 1, 1000),
      log: printJson,
    });
    console.log(`\n${commitsTable(rows)}`);
    return EXIT_OK;
  } finally {
    await pool.close();
  }
}

async function feedCommand(args: Record<string, unknown>): Promise<number> {
  const modes = intList("modes", args.modes as string, 0, 256);
  const store = args.store as string;
  const latency: FeedLatencyRow[] = [];
  for (const workers of modes) {
    for (const subscribers of intList("subscribers", args.subscribers as string, 1, 20_000)) {
      latency.push(
        await runFeedLatency({
          workers,
          subscribers,
          changes: intIn("changes", args.changes as number, 1, 10_000_000),
          rate: positive("rate", args.rate as number),
          store,
          log: printJson,
        }),
      );
    }
  }
  const rates = [];
  for (const workers of modes) {
    const rate = await runFeedRate({ workers, store, seconds: positive("duration", args.duration as number) });
    printJson(rate);
    rates.push(rate);
  }
  const pool = new LoadPool(1);
  const throughput: FeedThroughputRow[] = [];
  try {
    const mixes = (args["feed-mixes"] as string).split(",").map((m) => m.trim());
    for (const mix of mixes) if (!(MIXES as readonly string[]).includes(mix)) throw new UsageError(`--feed-mixes: unknown mix ${JSON.stringify(mix)}`);
    for (const mix of mixes) for (const workers of modes) {
      throughput.push(
        ...(await runFeedThroughput(pool, {
          workers,
          subscribers: intIn("attached", args.attached as number, 1, 20_000),
          connections: intIn("connections", args.connections as number, 1, 100_000),
          depth: intIn("depth", args.depth as number, 1, 100_000),
          durationMs: positive("duration", args.duration as number) * 1000,
          rounds: intIn("rounds", args.rounds as number, 1, 100),
          store,
          mix: mix as MixName,
          log: (line) => console.log(line),
        })),
      );
    }
  } finally {
    await pool.close();
  }
  console.log(`\n${feedLatencyTable(latency)}\n`);
  console.log(markdownTable(["layout", "committed changes/s", "delivered changes/s"], rates.map((r) => [`w${r.workers}`, r.committedPerSecond.toFixed(0), r.deliveredPerSecond.toFixed(0)]), 1));
  console.log(`\n${feedThroughputTable(throughput)}`);
  return EXIT_OK;
}
