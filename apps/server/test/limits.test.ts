import { describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { startServer } from "./support/server-process.ts";

describe.each([0, 3])("connection limits, --workers %i", (workers) => {
  it("--max-connections closes connections beyond the limit at once, across all workers, and logs it", async () => {
    const server = await startServer(["--workers", String(workers), "--store", "memory", "--max-connections", "5"]);
    const held = await Promise.all(Array.from({ length: 5 }, () => LineClient.connect(server.port)));
    // Each held connection is really open and served.
    const replies = await Promise.all(held.map((c, i) => c.send(`INDEX|held-${i}|`)));
    expect(replies).toEqual(["OK", "OK", "OK", "OK", "OK"]);
    const refused = await LineClient.connect(server.port);
    refused.write("QUERY|held-0|\n");
    await refused.waitForClose();
    expect(refused.replies).toEqual([]);
    await server.waitForLog((l) => l.level === 40 && l.limit === "max_connections");
    // A freed place is usable again.
    held[0].close();
    await held[0].waitForClose();
    const replacement = await retryUntilServed(server.port);
    expect(await replacement.send("QUERY|held-1|")).toBe("OK");
    for (const c of [...held, replacement]) c.close();
    expect(await server.stop()).toBe(0);
  });

  it("--idle-timeout closes a silent connection and logs it", async () => {
    const server = await startServer(["--workers", String(workers), "--store", "memory", "--idle-timeout", "0.3"]);
    const c = await LineClient.connect(server.port);
    expect(await c.send("INDEX|idle-a|")).toBe("OK");
    await c.waitForClose();
    await server.waitForLog((l) => l.level === 40 && l.limit === "idle_timeout");
    // The index is untouched by the close.
    const d = await LineClient.connect(server.port);
    expect(await d.send("QUERY|idle-a|")).toBe("OK");
    d.close();
    expect(await server.stop()).toBe(0);
  });

  it("bytes that never finish a line do not keep a connection from --idle-timeout", async () => {
    const server = await startServer(["--workers", String(workers), "--store", "memory", "--idle-timeout", "0.5"]);
    const trickler = await LineClient.connect(server.port);
    const active = await LineClient.connect(server.port);
    // One byte every 100 ms: five times within the idle limit, never a line.
    const text = "QUERY|never-finished";
    let at = 0;
    const timer = setInterval(() => trickler.write(text[at++ % text.length]), 100);
    // Meanwhile a client that sends complete lines stays open past the limit.
    let served = 0;
    const closed = trickler.waitForClose().then(() => clearInterval(timer));
    while (served < 12) {
      expect(await active.send("QUERY|x|")).toBe("FAIL");
      served++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await closed;
    expect(trickler.replies).toEqual([]);
    expect(await active.send("QUERY|x|")).toBe("FAIL");
    active.close();
    await server.waitForLog((l) => l.level === 40 && l.limit === "idle_timeout");
    expect(await server.stop()).toBe(0);
  });

  it("--line-timeout closes a connection whose line, once begun, is not finished in time, and logs it", async () => {
    const server = await startServer(["--workers", String(workers), "--store", "memory", "--line-timeout", "0.4"]);
    const slow = await LineClient.connect(server.port);
    expect(await slow.send("INDEX|lt-a|")).toBe("OK");
    slow.write("QUERY|lt-");
    await slow.waitForClose();
    expect(slow.replies).toEqual(["OK"]);
    await server.waitForLog((l) => l.level === 40 && l.limit === "line_timeout");
    // A connection that sends nothing is not affected by --line-timeout.
    const quiet = await LineClient.connect(server.port);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await quiet.send("QUERY|lt-a|")).toBe("OK");
    quiet.close();
    expect(await server.stop()).toBe(0);
  });
});

/**
 * The server learns of a client's close asynchronously; until it has, a new
 * connection may still be over the limit and closed. Retry on close (an
 * event, not a timer) a bounded number of times.
 */
async function retryUntilServed(port: number): Promise<LineClient> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const c = await LineClient.connect(port);
    try {
      await c.send("QUERY|probe|");
      return c;
    } catch {
      c.close();
    }
  }
  throw new Error("no connection was served after the limit freed up");
}
