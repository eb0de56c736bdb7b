import { basename } from "node:path";
import { isPkgIndexError } from "@pkgindex/errors";
import { CLIENT_TLS_OPTIONS, clientTlsFromFlags } from "@pkgindex/tls";
import yargs from "yargs";
import { checkMain } from "./check-cli.ts";
import { ConnectError } from "./connection.ts";
import { type Dataset, DataError, describe, loadBrewFile } from "./dataset.ts";
import { generateDag } from "./generate.ts";
import { runHarness } from "./harness.ts";
import { formatInt, formatPhaseDone, formatProgress, formatSummary } from "./report.ts";

export const EXIT_PASS = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANNOT_RUN = 3;

class UsageError extends Error {}

function integerIn(flag: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}${Number.isNaN(value) ? "" : `, got ${value}`}`);
  }
  return value;
}

function percentIn(flag: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new UsageError(`--${flag} must be a percentage from 0 to 100${Number.isNaN(value) ? "" : `, got ${value}`}`);
  }
  return value;
}

function parse(argv: string[]) {
  return yargs(argv)
    .scriptName("pkgindex-harness")
    .usage(
      "$0 [options]\n\nRuns the challenge harness against a server speaking the pkgindex line protocol:\n" +
        "remove everything, brute-force index, query all (OK), brute-force remove, query all (FAIL),\n" +
        "checking every reply for consistency. Exit 0 only when every check passed.\n\n" +
        "$0 check [options]: records a concurrent history and checks it for linearizability (check --help).",
    )
    .options({
      "dry-run": { type: "boolean", default: false, hidden: true, describe: "Parse the arguments, print them as JSON and exit without connecting (the README test checks every example line so)" },
      host: { type: "string", default: "127.0.0.1", describe: "Server host" },
      port: { type: "number", default: 8080, describe: "Server port" },
      concurrency: { type: "number", default: 10, describe: "Clients, each on its own connection with its share of the packages (1-1000)" },
      seed: { type: "number", describe: "Seed for every random choice (order, malformed lines, disconnects); default: random, printed" },
      unluckiness: { type: "number", default: 5, describe: "Percent of requests preceded by a malformed line that must get ERROR" },
      disconnects: { type: "number", default: 0, describe: "Percent of requests preceded by a disconnect mid-line and a reconnect" },
      pipeline: { type: "number", default: 1, describe: "Requests each client keeps in flight (1 = strict request/reply)" },
      data: { type: "string", describe: "Packages from a brew-format file (name: dep dep ...) instead of the generator" },
      packages: { type: "number", default: 2000, describe: "Packages for the built-in Homebrew-like generator" },
      "data-seed": { type: "number", default: 1, describe: "Seed of the generated data (keep it fixed between runs on one server)" },
      timeout: { type: "number", default: 10, describe: "Seconds to wait for a reply before failing" },
      json: { type: "boolean", default: false, describe: "Print the result as JSON on stdout" },
      progress: { type: "boolean", describe: "Live progress line on stderr (default: when stderr is a terminal)" },
      ...CLIENT_TLS_OPTIONS,
    })
    .parserConfiguration({ "camel-case-expansion": false })
    .strict()
    .version(false)
    .help()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      throw err ?? new UsageError(msg.replace(/\s*\n\s*/g, " "));
    })
    .parseSync();
}

/** Runs the CLI and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  // A subcommand by its first word, so the challenge run keeps its flags-only command line.
  if (argv[0] === "check") return checkMain(argv.slice(1));
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    console.error(`pkgindex-harness: ${(err as Error).message}`);
    return EXIT_USAGE;
  }
  if (args["dry-run"]) {
    console.log(JSON.stringify(args));
    return 0;
  }
  let options;
  try {
    options = {
      host: args.host,
      port: integerIn("port", args.port, 1, 65535),
      concurrency: integerIn("concurrency", args.concurrency, 1, 1000),
      seed: args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : integerIn("seed", args.seed, 0, 2 ** 32 - 1),
      unluckiness: percentIn("unluckiness", args.unluckiness),
      disconnects: percentIn("disconnects", args.disconnects),
      pipeline: integerIn("pipeline", args.pipeline, 1, 10000),
      packages: integerIn("packages", args.packages, 1, 10_000_000),
      dataSeed: integerIn("data-seed", args["data-seed"], 0, 2 ** 32 - 1),
      timeoutSeconds: args.timeout > 0 && Number.isFinite(args.timeout) ? args.timeout : Number.NaN,
      tls: clientTlsFromFlags(args),
    };
    if (Number.isNaN(options.timeoutSeconds)) throw new UsageError("--timeout must be a positive number of seconds");
    if (args.host === "") throw new UsageError("--host must not be empty");
  } catch (err) {
    if (!(err instanceof UsageError) && !isPkgIndexError(err)) throw err;
    console.error(`pkgindex-harness: ${(err as Error).message}`);
    return EXIT_USAGE;
  }

  let data: Dataset;
  let source: string;
  try {
    if (args.data !== undefined) {
      data = loadBrewFile(args.data);
      source = basename(args.data);
    } else {
      data = generateDag({ packages: options.packages, seed: options.dataSeed });
      source = `generated, data seed ${options.dataSeed}`;
    }
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    console.error(`pkgindex-harness: ${err.message}`);
    return EXIT_CANNOT_RUN;
  }

  const progress = args.progress ?? process.stderr.isTTY === true;
  const stats = describe(data);
  if (!args.json) {
    console.log(
      `harness against ${options.host}:${options.port}: ${formatInt(stats.packages)} packages, ${formatInt(stats.edges)} dependencies (${source}); ` +
        `concurrency ${options.concurrency}, pipeline ${options.pipeline}, unluckiness ${options.unluckiness}%, disconnects ${options.disconnects}%, seed ${options.seed}`,
    );
  }
  const live = progress && process.stderr.isTTY === true;
  let result;
  try {
    result = await runHarness({
      ...options,
      data,
      onProgress: progress ? (p) => {
        if (live) process.stderr.write(`\r\x1b[K${formatProgress(p)}`);
      } : undefined,
      onPhaseEnd: progress ? (p) => {
        process.stderr.write(`${live ? "\r\x1b[K" : ""}${formatPhaseDone(p)}\n`);
      } : undefined,
    });
  } catch (err) {
    if (live) process.stderr.write("\r\x1b[K");
    if (!(err instanceof ConnectError || err instanceof DataError)) throw err;
    console.error(`pkgindex-harness: ${err.message}`);
    return EXIT_CANNOT_RUN;
  }
  if (live) process.stderr.write("\r\x1b[K");
  if (args.json) {
    console.log(JSON.stringify({ ...result, config: { ...options, data: source, edges: stats.edges } }, null, 2));
  } else {
    console.log(formatSummary(result));
  }
  return result.ok ? EXIT_PASS : EXIT_CHECK_FAILED;
}
