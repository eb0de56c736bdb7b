import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { MODES, startServer, type ServerProcess } from "./support/server-process.ts";

describe.each(MODES)("many clients, --workers %i", (workers) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(["--workers", String(workers), "--store", "memory"]);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("serves 1,000 concurrent connections, each with its own and a shared package", async () => {
    const clients = await Promise.all(Array.from({ length: 1000 }, () => LineClient.connect(server.port)));
    // All connected before anyone sends: the server holds 1,000 at once.
    expect(await clients[0].send("INDEX|conc-base|")).toBe("OK");
    const replies = await Promise.all(
      clients.map((c, i) => c.pipeline([`INDEX|conc-${i}|conc-base`, `QUERY|conc-${i}|`, `INDEX|conc-${i}-bad|conc-missing`, "junk"])),
    );
    for (const r of replies) expect(r).toEqual(["OK", "OK", "FAIL", "ERROR"]);
    // Every client sees every other client's package: one shared index.
    const checks = await Promise.all(clients.map((c, i) => c.send(`QUERY|conc-${(i + 500) % 1000}|`)));
    expect(checks.every((r) => r === "OK")).toBe(true);
    expect(await clients[1].send("REMOVE|conc-base|")).toBe("FAIL");
    const removals = await Promise.all(clients.map((c, i) => c.send(`REMOVE|conc-${i}|`)));
    expect(removals.every((r) => r === "OK")).toBe(true);
    expect(await clients[2].send("REMOVE|conc-base|")).toBe("OK");
    for (const c of clients) c.close();
  });

  it("keeps each connection's order for pipelined valid and malformed lines while others load the server", async () => {
    const loaders = await Promise.all(Array.from({ length: 20 }, () => LineClient.connect(server.port)));
    const run = { stop: false };
    const load = loaders.map(async (c, k) => {
      let rounds = 0;
      while (!run.stop) {
        const r = await c.pipeline(Array.from({ length: 50 }, (_, j) => (j % 2 ? `QUERY|load-${k}-${j}|` : `INDEX|load-${k}-${j}|`)));
        expect(r.length).toBe(50);
        rounds++;
      }
      return rounds;
    });
    const probes = await Promise.all(Array.from({ length: 5 }, () => LineClient.connect(server.port)));
    await Promise.all(
      probes.map(async (c, p) => {
        for (let round = 0; round < 10; round++) {
          const lines: string[] = [];
          const expected: string[] = [];
          for (let j = 0; j < 200; j++) {
            const name = `ord-${p}-${round}-${j}`;
            switch (j % 5) {
              case 0:
                lines.push(`INDEX|${name}|`);
                expected.push("OK");
                break;
              case 1:
                lines.push(`QUERY|ord-${p}-${round}-${j - 1}|`);
                expected.push("OK");
                break;
              case 2:
                lines.push(`QUERY |${name}|`);
                expected.push("ERROR");
                break;
              case 3:
                lines.push(`REMOVE|ord-${p}-${round}-${j - 3}|`);
                expected.push("OK");
                break;
              default:
                lines.push(`QUERY|ord-${p}-${round}-${j - 4}|`);
                expected.push("FAIL");
            }
          }
          expect(await c.pipeline(lines)).toEqual(expected);
        }
      }),
    );
    run.stop = true;
    const rounds = await Promise.all(load);
    // The loaders really ran alongside the probes.
    expect(rounds.reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
    for (const c of [...loaders, ...probes]) c.close();
  });
});
