import { once } from "node:events";
import type net from "node:net";
import type { LoggingProcess } from "@pkgindex/server-process";

/** The server's debug line when it stops reading because its write buffer is full: the kernel takes no more replies. */
export const NOT_READ = "reading paused: client is not reading its replies";

// One unit of filler: 63 empty lines, which the connection answers ERROR by
// itself, and one QUERY of a name never indexed, which the index answers
// FAIL. The kernel's socket buffers on loopback hold about a million short
// replies (measured: ~875,000) before the server's own buffer fills, so
// filling them with QUERYs alone would cost the index a million commands
// (a minute and more on PostgreSQL on a loaded machine) and make the test a
// measure of the store's throughput. This way the index answers one line in
// 64, and the replies still interleave both kinds, so their order is checked
// across the connection's own answers and the index's.
const UNIT = "\n".repeat(63) + "QUERY|slow-never-indexed|\n";
const UNIT_REPLIES = [...Array<string>(63).fill("ERROR"), "FAIL"];
const UNITS_PER_CHUNK = 1024;
const CHUNK = UNIT.repeat(UNITS_PER_CHUNK);

/**
 * Writes filler to a socket whose replies nobody reads until the server logs
 * NOT_READ (whatever the store: the signal is the server's write buffer, not
 * a count of lines). Resolves to the number of units written; replyAt gives
 * the reply owed for each of their lines.
 */
export async function fillUntilNotRead(server: LoggingProcess, socket: net.Socket): Promise<number> {
  const notRead = server.waitForLog((l) => l.msg === NOT_READ);
  const state = { stopped: false };
  void notRead.then(() => {
    state.stopped = true;
  });
  let chunks = 0;
  while (!state.stopped) {
    chunks++;
    // Each chunk is larger than the socket's high-water mark, so write()
    // returns false and this waits for the kernel to take it, or for the
    // server to have stopped reading (then the chunk stays with the client).
    if (!socket.write(CHUNK)) await Promise.race([once(socket, "drain"), notRead]);
  }
  return chunks * UNITS_PER_CHUNK;
}

/** Lines per filler unit. */
export const LINES_PER_UNIT = UNIT_REPLIES.length;

/** The reply owed to filler line `i` (0-based, counted over every unit written). */
export function replyAt(i: number): string {
  return UNIT_REPLIES[i % UNIT_REPLIES.length];
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Replies the server answered (index results and protocol errors), from its "final counters" log line. */
export function answeredAtExit(logs: readonly Record<string, unknown>[]): number {
  const counters = logs.find((l) => l.msg === "final counters") as { threads: { results: number[]; protocolErrors: number[] }[] } | undefined;
  return (counters?.threads ?? []).reduce((total, t) => total + sum(t.results) + sum(t.protocolErrors), 0);
}
