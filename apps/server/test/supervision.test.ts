import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { startServer, type ServerProcess } from "./support/server-process.ts";

describe("supervision, --workers 3", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(["--workers", "3", "--store", "memory", "--test-hooks"]);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("replaces a crashed I/O worker; other workers' clients see no error; nothing indexed is lost", async () => {
    // Enough clients that SO_REUSEPORT's hash puts some on every worker.
    const clients = await Promise.all(Array.from({ length: 60 }, () => LineClient.connect(server.port)));
    const indexed = await Promise.all(clients.map((c, i) => c.send(`INDEX|sup-${i}|`)));
    expect(indexed.every((r) => r === "OK")).toBe(true);

    // Under load: every client keeps a request/reply loop running.
    const run = { stop: false };
    const loops = clients.map(async (c, i) => {
      let n = 0;
      try {
        while (!run.stop) {
          const r = await c.send(`QUERY|sup-${i}|`);
          if (r !== "OK") throw new Error(`client ${i} got ${r}`);
          n++;
        }
        return { ok: true, n };
      } catch (err) {
        return { ok: false, n, error: (err as Error).message, closed: c.closed };
      }
    });

    const crashed = server.waitForLog((l) => l.msg === "I/O worker exited; replacing it");
    const replaced = server.waitForLog((l) => l.msg === "I/O worker replaced");
    server.child.kill("SIGUSR2");
    const crashLine = await crashed;
    const replacedLine = await replaced;
    expect(crashLine.worker).toBe(1);
    expect((replacedLine.time as number) - (crashLine.time as number)).toBeLessThan(1000);

    // New connections are served (by the replacement or the others).
    const fresh = await Promise.all(Array.from({ length: 30 }, () => LineClient.connect(server.port)));
    const freshReplies = await Promise.all(fresh.map((c, i) => c.send(`QUERY|sup-${i}|`)));
    expect(freshReplies.every((r) => r === "OK")).toBe(true);

    run.stop = true;
    const results = await Promise.all(loops);
    const failed = results.filter((r) => !r.ok);
    const survived = results.filter((r) => r.ok);
    // The crashed worker's clients were disconnected (their only error is the
    // closed connection); everyone else went on without one.
    expect(failed.length).toBeGreaterThan(0);
    expect(survived.length).toBeGreaterThan(0);
    for (const f of failed) {
      expect(f.closed).toBe(true);
      expect(f.error).toMatch(/connection closed/);
    }
    for (const s of survived) expect(s.n).toBeGreaterThan(0);

    // Nothing indexed was lost: the state owner never stopped.
    const check = await LineClient.connect(server.port);
    const all = await check.pipeline(clients.map((_, i) => `QUERY|sup-${i}|`));
    expect(all.every((r) => r === "OK")).toBe(true);
    for (const c of [...clients, ...fresh, check]) c.close();
  });
});

describe("a crashed state owner", () => {
  it("ends the process with a non-zero code and one fatal line saying why", async () => {
    const server = await startServer(["--workers", "2", "--store", "memory", "--test-hooks"]);
    const c = await LineClient.connect(server.port);
    expect(await c.send("INDEX|so-crash|")).toBe("OK");
    server.child.kill("SIGWINCH");
    expect(await server.exited).toBe(1);
    const fatal = server.logs.filter((l) => l.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0].msg).toContain("state owner thread died");
    expect(fatal[0].msg).toContain("crashed on purpose");
    c.close();
  });
});
