import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { MODES, startServer, type ServerProcess } from "./support/server-process.ts";

function rssKiB(pid: number): Promise<number> {
  return import("node:fs/promises").then(async (fs) => {
    const status = await fs.readFile(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
  });
}

describe.each(MODES)("a client that does not read its replies, --workers %i", (workers) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer([
      "--workers", String(workers), "--store", "memory", "--log-level", "debug",
      "--max-pending-replies", "256", "--max-write-buffer", "65536",
    ]);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("stops being read, costs bounded memory, and still gets every reply in order once it reads", async () => {
    const greedy = await LineClient.connect(server.port);
    greedy.socket.pause(); // never read, for now
    const rssBefore = await rssKiB(server.child.pid!);
    const line = "QUERY|greedy-never-indexed|\n";
    const chunk = line.repeat(4096); // 106 KiB
    const total = 400; // ~42 MiB of requests, ~8 MiB of replies owed
    let sent = 0;
    const paused = server.waitForLog((l) => l.msg === "reading paused: client is not reading its replies");
    // Write without waiting for drain: Node queues it client-side, which is
    // where the surplus must stay once the server stops reading.
    for (; sent < total; sent++) greedy.write(chunk);
    await paused;

    // Everyone else is served meanwhile.
    const other = await LineClient.connect(server.port);
    expect(await other.send("INDEX|bp-other|")).toBe("OK");

    const rssPaused = await rssKiB(server.child.pid!);
    // The server buffered neither the ~42 MiB of requests nor the ~8 MiB of
    // replies it owes: only up to one read chunk and --max-write-buffer.
    expect(rssPaused - rssBefore).toBeLessThan(16 * 1024);

    greedy.socket.resume();
    const expected = total * 4096;
    await greedy.waitForReplies(expected);
    expect(greedy.replies.length).toBe(expected);
    expect(greedy.replies.every((r) => r === "FAIL")).toBe(true);
    expect(await greedy.send("INDEX|bp-after|")).toBe("OK");
    greedy.close();
    other.close();
  });
});
