import readline from "node:readline";
import type { Client } from "@pkgindex/client";
import { clientErrorLine } from "./client-error-line.ts";
import { HISTORY_SIZE, loadHistory, saveHistory } from "./client-history.ts";
import { requestLine, splitWords } from "./client-request-line.ts";

const HELP = `Type a request as words or as a protocol line; the reply is printed.
  INDEX <package> [dep,dep | dep dep ...]   OK: indexed; FAIL: a dependency is missing (or a cycle)
  REMOVE <package>                          OK: removed or not indexed; FAIL: something depends on it
  QUERY <package>                           OK: indexed; FAIL: not indexed
  INDEX|openssl|zlib,ca-certificates        a raw line, sent exactly as typed
Commands may be typed in any case as words. Up/down: history. help: this text. quit, exit, Ctrl-D: leave.
`;

/**
 * The interactive prompt on a terminal: one request at a time, its reply,
 * the prompt again; lines typed or pasted meanwhile wait their turn. A
 * failed request (server down, timeout) prints one line and the prompt
 * comes back; the next request connects again. History is readline's,
 * kept in `historyFile` between sessions.
 */
export async function runPrompt(client: Client, historyFile: string): Promise<number> {
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: `${client.address}> `,
    history: loadHistory(historyFile),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
  });
  let historyWarned = false;
  rl.on("history", (history: string[]) => {
    const problem = saveHistory(historyFile, history);
    if (problem !== null && !historyWarned) {
      historyWarned = true;
      process.stderr.write(`pkgindex: history not saved to ${historyFile}: ${problem}\n`);
    }
  });
  // Ctrl-C leaves, as in redis-cli (readline would otherwise just pause).
  rl.on("SIGINT", () => rl.close());
  rl.prompt();
  for await (const typed of rl) {
    const words = splitWords(typed);
    const keyword = words.length === 1 ? words[0].toLowerCase() : "";
    if (keyword === "quit" || keyword === "exit") break;
    if (keyword === "help") process.stdout.write(HELP);
    else if (words.length > 0) {
      try {
        process.stdout.write(`${await client.send(requestLine(words))}\n`);
      } catch (err) {
        process.stderr.write(clientErrorLine(err));
      }
    }
    rl.prompt();
  }
  rl.close();
  process.stdout.write("\n");
  return 0;
}
