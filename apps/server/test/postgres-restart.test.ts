// PostgreSQL stopped and restarted under load, three nodes (mixed layouts)
// with the checker's clients spread over them directly: no wrong answer,
// no acknowledged change lost (every name is queried again at the end),
// /readyz 503 on every node while the database is away, and the nodes
// recover by themselves.
import { runCheck, type CheckRunResult, type RunProgress } from "@pkgindex/harness";
import { afterEach, describe, expect, it } from "vitest";
import { postgresArgs, usePostgres } from "./support/postgres.ts";
import { adminGet, startServer, type ServerProcess } from "./support/server-process.ts";

const env = usePostgres();
const LAYOUTS = [0, 2, 0];

let nodes: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  nodes = [];
});

async function startNodes(): Promise<ServerProcess[]> {
  const url = await env.cluster.createDatabase();
  nodes = await Promise.all(LAYOUTS.map((workers) => startServer(postgresArgs(url, workers), {}, { admin: true })));
  return nodes;
}

/** Polls every node's /readyz (every 20 ms, bounded) until each answers `status`. */
async function allReady(status: number, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const answers = await Promise.all(nodes.map((n) => adminGet(n.adminPort, "/readyz?verbose").then((r) => r.status, () => 0)));
    if (answers.every((s) => s === status)) return;
    if (Date.now() > deadline) throw new Error(`/readyz did not turn ${status} on every node within ${deadlineMs} ms: ${answers.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const answeredAfter = (r: CheckRunResult, t: number): number => r.recorded.reduce((n, h) => n + h.ops.filter((o) => o.reply !== null && o.invoke > t).length, 0);

describe("three nodes on one PostgreSQL, checker clients spread over them", () => {
  it("with no fault the history is linearizable and nothing goes unanswered", async () => {
    const started = await startNodes();
    const result = await runCheck({ targets: started.map((n) => ({ host: "127.0.0.1", port: n.port })), clients: 9, seconds: 5, rounds: 20, seed: 3 });
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe("linearizable");
    expect(result.unanswered).toBe(0);
    expect(result.targets).toHaveLength(3);
  });

  it.each(["fast", "immediate"] as const)(
    "PostgreSQL stopped (%s shutdown) and restarted under load: /readyz 503 meanwhile, nodes recover by themselves, history linearizable",
    async (mode) => {
      const started = await startNodes();
      let restartedAt = 0;
      let down503 = false;
      let injected: Promise<void> | null = null;
      const result = await runCheck({
        targets: started.map((n) => ({ host: "127.0.0.1", port: n.port })),
        clients: 9,
        seconds: 15,
        rounds: 40,
        seed: 17,
        onProgress: (p: RunProgress) => {
          if (injected === null && p.answered >= 500) {
            injected = (async () => {
              await env.cluster.halt(mode);
              await allReady(503);
              down503 = true;
              await env.cluster.restart();
              restartedAt = performance.now();
              await allReady(200);
            })();
          }
        },
      });
      await injected;
      expect(down503).toBe(true);
      expect(result.reason).toBeNull();
      expect(result.outcome).toBe("linearizable");
      expect(answeredAfter(result, restartedAt)).toBeGreaterThan(300);
      for (const node of started) expect(node.child.exitCode).toBeNull();
    },
  );
});
