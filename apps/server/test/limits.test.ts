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
