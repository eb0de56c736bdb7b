import yargs from "yargs";
import { isPkgIndexError } from "@pkgindex/errors";
import { CLIENT_COMMAND } from "./client-command.ts";
import { DUMP_COMMAND } from "./dump-command.ts";
import { LOAD_COMMAND } from "./load-command.ts";
import { serveCommand } from "./serve-command.ts";
import { withEnvDefaults } from "./env-defaults.ts";
import { SERVE_OPTIONS, type RawServeOptions } from "./options.ts";

/** Prints one line naming the problem and exits non-zero: never a stack. */
export function exitWithError(err: unknown): never {
  if (isPkgIndexError(err)) process.stderr.write(`pkgindex: [${err.code}] ${err.message}\n`);
  else process.stderr.write(`pkgindex: ${err instanceof Error ? err.message : String(err)}\n`);
  // A bad flag or a bad file a flag names: the operator's to fix, exit 2.
  process.exit(isPkgIndexError(err) && (err.code === "PKGI_BAD_OPTION" || err.code === "PKGI_TLS_FILE") ? 2 : 1);
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
    .command(CLIENT_COMMAND)
    .demandCommand(1, "name a command: serve, dump or load")
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, err) => {
      if (err) exitWithError(err);
      process.stderr.write(`pkgindex: ${message.replace(/\s+/g, " ").trim()} (see pkgindex --help)\n`);
      process.exit(2);
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    exitWithError(err);
  }
}
