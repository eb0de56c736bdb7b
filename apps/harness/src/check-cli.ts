import { writeFileSync } from "node:fs";
import yargs from "yargs";
import { formatCheckMarkdown, formatCheckSummary } from "./check-report.ts";
import { type CheckRunOptions, runCheck } from "./check-run.ts";
import { ConnectError, type Endpoint } from "./connection.ts";
import { MAX_NAMES } from "./packed-spec.ts";

export const CHECK_EXIT_LINEARIZABLE = 0;
export const CHECK_EXIT_VIOLATION = 1;
export const CHECK_EXIT_USAGE = 2;
/** Could not connect, or could not decide (every reply lost, or a history too hard within the budget). */
export const CHECK_EXIT_UNDECIDED = 3;

class UsageError extends Error {}

function integerIn(flag: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}${Number.isNaN(value) ? "" : `, got ${value}`}`);
  }
  return value;
}

function positiveSeconds(flag: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${flag} must be a positive number of seconds`);
  return value;
}

function parseTargets(text: string): Endpoint[] {
  return text.split(",").map((t) => {
    const at = t.lastIndexOf(":");
    const host = t.slice(0, at);
    const port = Number(t.slice(at + 1));
    if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--targets must be host:port[,host:port...], got ${JSON.stringify(t)}`);
    return { host, port };
  });
}

function parse(argv: string[]) {
  return yargs(argv)
    .scriptName("pkgindex-harness check")
    .usage(
      "$0 [options]\n\nRecords a history of random INDEX/REMOVE/QUERY from concurrent clients and checks it for\n" +
        "linearizability against the index's sequential spec. Exit 0 linearizable, 1 not (a minimal failing\n" +
        "sub-history is printed), 2 bad flags, 3 could not connect or could not decide.",
    )
    .options({
      "dry-run": { type: "boolean", default: false, hidden: true, describe: "Parse the arguments, print them as JSON and exit without connecting (the README test checks every example line so)" },
      host: { type: "string", default: "127.0.0.1", describe: "Server host" },
      port: { type: "number", default: 8080, describe: "Server port" },
      targets: { type: "string", describe: "Several servers, host:port,host:port (clients round-robin); overrides --host/--port" },
      clients: { type: "number", default: 10, describe: "Concurrent clients, each on its own connection" },
      seconds: { type: "number", default: 10, describe: "Seconds to record (no round starts later)" },
      seed: { type: "number", describe: "Seed for the operations (default: random, printed)" },
      names: { type: "number", default: 5, describe: `Names per round (2-${MAX_NAMES})` },
      "round-ops": { type: "number", default: 100, describe: "Operations per round: the length of each checked history" },
      pipeline: { type: "number", default: 1, describe: "Requests each client keeps in flight" },
      disconnects: { type: "number", default: 0, describe: "Percent of operations preceded by a disconnect mid-line" },
      timeout: { type: "number", default: 10, describe: "Seconds to wait for a reply before dropping the connection" },
      "check-seconds": { type: "number", default: 10, describe: "Search time allowed per history before it counts as undecided" },
      report: { type: "string", describe: "Write a Markdown summary to this file" },
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

/** `pkgindex-harness check ...`: runs the check and returns its exit code. */
export async function checkMain(argv: string[]): Promise<number> {
  let options: CheckRunOptions;
  let report: string | undefined;
  try {
    const args = parse(argv);
    if (args["dry-run"]) {
      console.log(JSON.stringify(args));
      return 0;
    }
    if (args.host === "") throw new UsageError("--host must not be empty");
    const targets = args.targets !== undefined ? parseTargets(args.targets) : [{ host: args.host, port: integerIn("port", args.port, 1, 65535) }];
    options = {
      targets,
      clients: integerIn("clients", args.clients, 1, 1000),
      seconds: positiveSeconds("seconds", args.seconds),
      seed: args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : integerIn("seed", args.seed, 0, 2 ** 32 - 1),
      names: integerIn("names", args.names, 2, MAX_NAMES),
      opsPerRound: integerIn("round-ops", args["round-ops"], 1, 100_000),
      pipeline: integerIn("pipeline", args.pipeline, 1, 1000),
      disconnects: integerIn("disconnects", args.disconnects, 0, 100),
      timeoutSeconds: positiveSeconds("timeout", args.timeout),
      checkSeconds: positiveSeconds("check-seconds", args["check-seconds"]),
    };
    report = args.report;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`pkgindex-harness check: ${err.message}`);
    return CHECK_EXIT_USAGE;
  }
  console.log(
    `check against ${options.targets.map((t) => `${t.host}:${t.port}`).join(", ")}: ${options.clients} clients, ${options.seconds} s, ` +
      `rounds of ${options.opsPerRound} operations on ${options.names} names, pipeline ${options.pipeline}, seed ${options.seed}`,
  );
  let result;
  try {
    result = await runCheck(options);
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    console.error(`pkgindex-harness check: ${err.message}`);
    return CHECK_EXIT_UNDECIDED;
  }
  console.log(formatCheckSummary(result));
  if (report !== undefined) writeFileSync(report, formatCheckMarkdown(result, `pkgindex-harness check ${argv.join(" ")}`));
  return result.outcome === "linearizable" ? CHECK_EXIT_LINEARIZABLE : result.outcome === "violation" ? CHECK_EXIT_VIOLATION : CHECK_EXIT_UNDECIDED;
}
