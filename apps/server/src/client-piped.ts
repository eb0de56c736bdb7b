import readline from "node:readline";
import type { Client, Reply } from "@pkgindex/client";
import { clientErrorLine } from "./client-error-line.ts";

// In-flight window: enough to keep the connection busy (the server itself
// stops reading past --max-pending-replies, 1024 by default), small enough
// that a million-line input is never all in memory as pending promises.
const HIGH_WATER = 4096;
const LOW_WATER = 1024;
/** Replies gathered before a write to stdout. */
const OUT_CHUNK = 64 * 1024;

/**
 * `... | pkgindex client`: every stdin line is a protocol line, sent as is
 * and pipelined on one connection; one reply per line comes out, in order.
 * Replies settle in request order (one connection, FIFO), so each can be
 * appended as it settles. The first failure (connection refused, dropped,
 * timed out) stops the run with one line on stderr and status 1; replies
 * printed before it stand.
 */
export function runPiped(client: Client, input: NodeJS.ReadableStream = process.stdin): Promise<number> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let outstanding = 0;
    let inputEnded = false;
    let paused = false;
    let waitingForDrain = false;
    let done = false;
    let out = "";
    let flushScheduled = false;

    const pauseIfNeeded = (): void => {
      if (!paused && (outstanding >= HIGH_WATER || waitingForDrain)) {
        paused = true;
        rl.pause();
      }
    };
    const maybeResume = (): void => {
      if (paused && !done && outstanding < LOW_WATER && !waitingForDrain) {
        paused = false;
        rl.resume();
      }
    };
    const flush = (): void => {
      flushScheduled = false;
      if (out === "") return;
      const text = out;
      out = "";
      if (!process.stdout.write(text) && !waitingForDrain) {
        waitingForDrain = true;
        process.stdout.once("drain", () => {
          waitingForDrain = false;
          maybeResume();
        });
      }
      pauseIfNeeded();
    };
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      flush();
      rl.close();
      client.destroy();
      // Resolve once stdout has taken everything, so the status follows the output.
      process.stdout.write("", () => resolve(code));
    };
    const onReply = (reply: Reply): void => {
      if (done) return;
      outstanding--;
      out += `${reply}\n`;
      if (out.length >= OUT_CHUNK) flush();
      else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
      if (outstanding === 0 && inputEnded) finish(0);
      else maybeResume();
    };
    const onFailure = (err: unknown): void => {
      if (done) return;
      flush();
      process.stderr.write(clientErrorLine(err));
      finish(1);
    };

    // A reader that goes away early (`| head`) ends the run quietly, with
    // the status SIGPIPE gives other tools.
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(141);
      onFailure(err);
    });
    rl.on("line", (line) => {
      if (done) return;
      outstanding++;
      client.send(line).then(onReply, onFailure);
      pauseIfNeeded();
    });
    rl.on("close", () => {
      inputEnded = true;
      if (outstanding === 0) finish(0);
    });
  });
}
