import yargs from "yargs";
import { isPkgIndexError } from "@pkgindex/errors";
import { BACKUP_COMMAND } from "./backup-command.ts";
import { CLIENT_COMMAND } from "./client-command.ts";
import { DUMP_COMMAND } from "./dump-command.ts";
import { LOAD_COMMAND } from "./load-command.ts";
import { serveCommand } from "./serve-command.ts";
import { blameEnvironment, withEnvDefaults } from "./env-defaults.ts";
import { WATCH_COMMAND } from "./watch-command.ts";
import { SERVE_OPTIONS, type RawServeOptions } from "./options.ts";
import { COMMANDS, isUsageError, usageError } from "./usage-error.ts";

/** Prints one line naming the problem and exits non-zero: never a stack. */
export function exitWithError(err: unknown): never {
  const blamed = blameEnvironment(err);
  if (isPkgIndexError(blamed)) process.stderr.write(`pkgindex: [${blamed.code}] ${blamed.message}\n`);
  else process.stderr.write(`pkgindex: ${blamed instanceof Error ? blamed.message : String(blamed)}\n`);
  // A bad flag, or a bad file a flag names (PKGI_TLS_FILE): the operator's to fix, exit 2.
  process.exit(isUsageError(blamed) || (isPkgIndexError(blamed) && blamed.code === "PKGI_TLS_FILE") ? 2 : 1);
}

export async function main(argv: string[]): Promise<void> {
  const parser = yargs(argv)
    .scriptName("pkgindex")
    .strict()
    .command(
      "serve",
      "Serve the package index over TCP",
      (y) => y.options(withEnvDefaults(SERVE_OPTIONS)),
      async (args) => serveCommand(args as unknown as RawServeOptions),
    )
    .command(DUMP_COMMAND)
    .command(LOAD_COMMAND)
    .command(BACKUP_COMMAND)
    .command(CLIENT_COMMAND)
    .command(WATCH_COMMAND)
    .demandCommand(1, `name a command: ${COMMANDS.join(", ")}`)
    .help()
    .alias("h", "help")
    // Answered by pkgindex.ts before anything is loaded; listed here for --help.
    .version(false)
    .option("version", { type: "boolean", global: true, describe: "Show the version (apps/server/package.json) and exit" })
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, err) => {
      // yargs' own complaints come as a message, or as a YError (requiresArg).
      const fromYargs = err === undefined || err === null || err.name === "YError";
      exitWithError(fromYargs ? usageError(message ?? err.message, argv) : err);
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    exitWithError(err);
  }
}
