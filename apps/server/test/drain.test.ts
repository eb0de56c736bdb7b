import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { adminGet, startServer } from "./support/server-process.ts";
import { answeredAtExit, fillUntilNotRead } from "./support/slow-reader.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each([0, 3])("graceful drain on SIGTERM, --workers %i", (workers) => {
  it("turns /readyz 503 before the listeners close, delivers whole replies, keeps every acknowledged command, exits 0", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "pkgindex-drain-"));
    dirs.push(dataDir);
    const args = ["--workers", String(workers), "--store", "sqlite", "--data-dir", dataDir, "--sync", "normal"];
    const server = await startServer([...args, "--drain-delay", "1", "--drain-timeout", "20"], {}, { admin: true });
    expect(await server.waitForLog((l) => l.msg === "listening")).toBeTruthy();

    // 50 clients under load, each INDEXing its own new packages in a
    // pipelined loop until its connection is closed by the drain.
    const clients = await Promise.all(Array.from({ length: 50 }, () => LineClient.connect(server.port)));
    const acked: string[][] = clients.map(() => []);
    const loops = clients.map(async (c, k) => {
      for (let round = 0; ; round++) {
        const names = Array.from({ length: 4 }, (_, j) => `drain-${k}-${round}-${j}`);
        const from = c.replies.length;
        c.write(names.map((n) => `INDEX|${n}|\n`).join(""));
        try {
          await c.waitForReplies(from + names.length);
        } catch {
          // Closed by the drain: replies that did arrive still count.
          c.replies.slice(from).forEach((r, j) => r === "OK" && acked[k].push(names[j]));
          return;
        }
        c.replies.slice(from).forEach((r, j) => r === "OK" && acked[k].push(names[j]));
      }
    });
    // Let every client get some work acknowledged before the signal.
    await Promise.all(clients.map((c) => c.waitForReplies(8)));

    server.child.kill("SIGTERM");
    // Readiness turns 503 at once...
    let ready = 200;
    for (let i = 0; i < 1000 && ready === 200; i++) ready = (await adminGet(server.adminPort, "/readyz")).status;
    expect(ready).toBe(503);
    // ...while the listener still accepts (the drain delay is running).
    const late = await new Promise<boolean>((resolve) => {
      const s = net.connect(server.port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    expect(late).toBe(true);

    expect(await server.exited).toBe(0);
    await Promise.all(loops);
    for (const c of clients) {
      // No partial reply: every byte received ends a whole line.
      expect(c.partial).toBe("");
      expect(c.replies.every((r) => r === "OK")).toBe(true);
    }
    const allAcked = acked.flat();
    expect(allAcked.length).toBeGreaterThan(400);
    expect(server.logs.some((l) => l.msg === "drained; exiting")).toBe(true);

    // Every acknowledged INDEX survived: restart on the same data directory.
    const again = await startServer(args);
    const check = await LineClient.connect(again.port);
    const replies = await check.pipeline(allAcked.map((n) => `QUERY|${n}|`));
    expect(replies.filter((r) => r !== "OK")).toEqual([]);
    check.close();
    expect(await again.stop()).toBe(0);
  });
});

/**
 * A client that pipelines far more than it reads: the server answers what it
 * read, fills the kernel's buffers and its own, and stops reading (filler
 * from support/slow-reader.ts, sized by that signal, not by the store's
 * speed). `readAfterMs` after SIGTERM the client starts reading.
 */
async function slowReaderDrain(workers: number, drainTimeout: number, readAfterMs: number) {
  const server = await startServer([
    "--workers", String(workers), "--store", "memory", "--log-level", "debug", "--drain-timeout", String(drainTimeout), "--max-write-buffer", "65536",
  ]);
  const socket = net.connect({ host: "127.0.0.1", port: server.port });
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.pause();
  socket.on("error", () => undefined);
  await fillUntilNotRead(server, socket);
  server.child.kill("SIGTERM");
  await server.waitForLog((l) => l.msg === "draining");
  // Part of the scenario, not synchronisation: the reader wakes up late.
  await new Promise((resolve) => setTimeout(resolve, readAfterMs));
  let received = 0;
  socket.on("data", (d: Buffer) => {
    for (let i = 0; i < d.length; i++) if (d[i] === 10) received++;
  });
  socket.resume();
  await new Promise((resolve) => socket.once("close", resolve));
  const code = await server.exited;
  return { code, received, answered: answeredAtExit(server.logs), logs: server.logs };
}

describe.each([0, 3])("drain and a slow reader, --workers %i", (workers) => {
  it("delivers every reply owed to a reader that starts late, then exits 0", async () => {
    const { code, received, answered } = await slowReaderDrain(workers, 20, 1500);
    expect(answered).toBeGreaterThan(1000);
    expect(received).toBe(answered);
    expect(code).toBe(0);
  });

  it("past --drain-timeout cuts the reader off and exits 1, saying so", async () => {
    // When the server stopped reading, its own buffer held at least
    // --max-write-buffer of replies the kernel would not take; the reader
    // wakes after the deadline, so those are still owed then.
    const { code, received, answered, logs } = await slowReaderDrain(workers, 1, 2500);
    expect(received).toBeLessThan(answered);
    expect(code).toBe(1);
    expect(logs.some((l) => l.msg === "drain timed out: connections still owed replies were cut off; exiting 1")).toBe(true);
  });
});
