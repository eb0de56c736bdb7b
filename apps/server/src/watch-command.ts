import type { Argv, CommandModule } from "yargs";
import { withEnvDefaults } from "./env-defaults.ts";
import { validateWatchOptions, WATCH_OPTIONS, type RawWatchOptions } from "./watch-options.ts";

export const WATCH_COMMAND: CommandModule<object, RawWatchOptions> = {
  command: "watch",
  describe: "Follow the change feed: print every change (one JSON object per line) as the server commits it",
  builder: (y: Argv) =>
    y
      .options(withEnvDefaults(WATCH_OPTIONS))
      .example("pkgindex watch --url http://127.0.0.1:9091 --since 0", "everything retained, then new changes as they come")
      .epilogue(
        "A lost connection, or a stream the server ended (too slow, shutting down), is resumed from the last revision printed, " +
          "so nothing is printed twice or skipped. Exit status: 0 on SIGINT/SIGTERM, 3 when the feed no longer holds the revision " +
          "to resume from (410 Gone: start again from GET /v1/snapshot), 1 when the feed refuses the request, 2 for a bad flag.",
      ) as unknown as Argv<RawWatchOptions>,
  handler: async (args) => {
    const config = validateWatchOptions(args);
    const { runWatch } = await import("./watch-run.ts");
    await runWatch(config);
  },
};
