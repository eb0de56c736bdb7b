import type { Argv, CommandModule } from "yargs";
import { CLIENT_OPTIONS, validateClientOptions, type RawClientOptions } from "./client-options.ts";
import { withEnvDefaults } from "./env-defaults.ts";

export const CLIENT_COMMAND: CommandModule<object, RawClientOptions> = {
  command: "client [request..]",
  describe: "Send requests to a server: one from the arguments, protocol lines from piped stdin, or an interactive prompt",
  builder: (y: Argv) =>
    y
      // Strings, so `QUERY 123` keeps the name "123" rather than a number.
      .positional("request", { type: "string", array: true, describe: "One request as words (INDEX openssl zlib,ca-certificates) or a raw line (\"QUERY|openssl|\")" })
      .options(withEnvDefaults(CLIENT_OPTIONS))
      .example("pkgindex client INDEX openssl zlib,ca-certificates", "prints OK or FAIL")
      .example("printf 'INDEX|zlib|\\nQUERY|zlib|\\n' | pkgindex client", "one reply per line, in order")
      .example("pkgindex client --port 8080", "a prompt, with history in ~/.pkgindex_history")
      .epilogue(
        "Exit status: 0 when the server answered OK or FAIL (piped: when every line was answered), 3 when it answered ERROR " +
          "to a one-shot request, 1 when there was no answer (connection refused or lost, timeout), 2 for a bad flag. " +
          "Words are joined into a protocol line, the command upper-cased; a request containing | is sent as typed. " +
          "Put -- before a request whose package name starts with -.",
      ) as unknown as Argv<RawClientOptions>,
  // Loaded on use, so `serve` never loads the client library.
  handler: async (args) => {
    const config = validateClientOptions(args);
    const { runClient } = await import("./client-run.ts");
    await runClient(config);
  },
};
