import { createClient } from "@pkgindex/client";
import type { ClientCommandConfig } from "./client-options.ts";
import { runOneShot } from "./client-one-shot.ts";
import { runPiped } from "./client-piped.ts";
import { runPrompt } from "./client-prompt.ts";

/**
 * `pkgindex client`: a one-shot request from the arguments, else the
 * protocol lines on stdin when it is piped, else a prompt on the terminal.
 * Ends the process with the mode's status once stdout has taken its output
 * (an open stdin must not keep a finished one-shot alive).
 */
export async function runClient(config: ClientCommandConfig): Promise<never> {
  const client = createClient({
    host: config.host,
    port: config.port,
    timeoutMs: config.timeoutMs,
    // A person or a script is waiting: say the server is down at once, and
    // on the prompt let the next request try again.
    reconnect: { retries: 0 },
    // The server decides what is too long (and says ERROR), not the client.
    maxLineBytes: 64 * 1024 * 1024,
    ...(config.tls === undefined ? {} : { tls: config.tls }),
  });
  let code: number;
  if (config.request.length > 0) code = await runOneShot(client, config.request);
  else if (process.stdin.isTTY) code = await runPrompt(client, config.historyFile);
  else code = await runPiped(client);
  client.destroy();
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(code);
}
