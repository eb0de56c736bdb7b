import net from "node:net";
import { freePort, spawnLogging } from "@pkgindex/server-process";
import { describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { CLI, startServer } from "./support/server-process.ts";

/**
 * Connects to `port` as early as it can (a health checker, a retrying
 * client): retries every refused connect at once, and sends one QUERY on the
 * first that succeeds. Resolves with the reply, or the error that ended it.
 */
function firstRequest(port: number, stopped: () => boolean): Promise<string> {
  return new Promise((resolve) => {
    const attempt = () => {
      if (stopped()) return resolve("server exited before accepting");
      const s = net.connect({ host: "127.0.0.1", port });
      let got = "";
      let connected = false;
      s.on("connect", () => {
        connected = true;
        s.write("QUERY|early|\n");
      });
      s.on("data", (d) => {
        got += d.toString();
        if (got.endsWith("\n")) {
          s.destroy();
          resolve(got.trim());
        }
      });
      s.on("error", (err: NodeJS.ErrnoException) => {
        if (!connected && err.code === "ECONNREFUSED") setImmediate(attempt);
        else resolve(err.code ?? err.message);
      });
      s.on("close", () => connected && got === "" && resolve("closed without a reply"));
    };
    attempt();
  });
}

describe.each([0, 3])("start-up, --workers %i", (workers) => {
  it("a client connecting the instant the port opens is answered, in 50 fresh starts", async () => {
    // One fresh start: spawn, race a client against the port opening, stop.
    const start = async (): Promise<string> => {
      const port = await freePort();
      const run = spawnLogging(CLI, ["serve", "--host", "127.0.0.1", "--port", String(port), "--admin-port", "0", "--workers", String(workers), "--store", "memory", "--log-level", "warn"]);
      let exited = false;
      void run.exited.then(() => (exited = true));
      const outcome = await firstRequest(port, () => exited);
      run.child.kill("SIGTERM");
      const code = await run.exited;
      return code === 0 ? outcome : `${outcome}, exit ${code}`;
    };
    // Five starts at a time keep the test inside CI's budget; each has its own port.
    const outcomes: string[] = [];
    for (let round = 0; round < 10; round++) outcomes.push(...(await Promise.all(Array.from({ length: 5 }, start))));
    expect(outcomes).toEqual(Array(50).fill("FAIL"));
    // 50 spawns of a 4-thread server: a bound for a loaded CI machine, not a speed check.
  }, 240_000);

  it.each([0, 3])("a second server on the same port (--workers %i) refuses with one line, and the first one's clients see nothing", async (second) => {
    const first = await startServer(["--workers", String(workers), "--store", "memory"]);
    const client = await LineClient.connect(first.port);
    expect(await client.send("INDEX|first|")).toBe("OK");
    let querying = true;
    const answers: string[] = [];
    const load = (async () => {
      while (querying) answers.push(...(await client.pipeline(["QUERY|first|", "QUERY|other|"])));
    })();
    const again = spawnLogging(CLI, ["serve", "--host", "127.0.0.1", "--port", String(first.port), "--admin-port", "0", "--workers", String(second), "--store", "memory"]);
    expect(await again.exited).toBe(1);
    expect(again.stderr()).toMatch(new RegExp(`^pkgindex: \\[PKGI_PORT_IN_USE\\] cannot listen on 127\\.0\\.0\\.1:${first.port}: the address is already in use\\n$`));
    // New connections still reach the first server, and are answered.
    const fresh = await Promise.all(Array.from({ length: 20 }, () => LineClient.connect(first.port)));
    expect(await Promise.all(fresh.map((c) => c.send("QUERY|first|")))).toEqual(Array(20).fill("OK"));
    querying = false;
    await load;
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((a, i) => a !== (i % 2 === 0 ? "OK" : "FAIL"))).toEqual([]);
    for (const c of [client, ...fresh]) c.close();
    expect(await first.stop()).toBe(0);
  });
});
