// Three pkgindex nodes (mixed layouts) on one PostgreSQL behind a real
// HAProxy (docker/haproxy-nodes.cfg, the compose `postgres` profile's
// configuration): the challenge harness at concurrency 100, the
// linearizability checker with clients spread over the nodes, and SIGKILL
// of one node under load.
import { loadBrewFile, runCheck, runHarness, type CheckRunResult, type RunProgress } from "@pkgindex/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHaproxy, type RunningHaproxy } from "./support/haproxy.ts";
import { postgresArgs, usePostgres } from "./support/postgres.ts";
import { adminGet, BREW_DATA, startServer, type ServerProcess } from "./support/server-process.ts";

const env = usePostgres();
const LAYOUTS = [0, 2, 0];

/** A node's commands_total over all commands and replies, from its /metrics. */
async function commandsServed(node: ServerProcess): Promise<number> {
  const { body } = await adminGet(node.adminPort, "/metrics");
  let total = 0;
  for (const line of body.split("\n")) if (line.startsWith("pkgindex_commands_total{")) total += Number(line.split(" ").pop());
  return total;
}

/** Answered operations invoked after `t` (ms, performance.now()). */
const answeredAfter = (r: CheckRunResult, t: number): number => r.recorded.reduce((n, h) => n + h.ops.filter((o) => o.reply !== null && o.invoke > t).length, 0);

describe("three nodes on one PostgreSQL behind HAProxy", () => {
  let nodes: ServerProcess[] = [];
  let haproxy: RunningHaproxy;

  beforeAll(async () => {
    const url = await env.cluster.createDatabase();
    nodes = await Promise.all(LAYOUTS.map((workers) => startServer([...postgresArgs(url, workers), "--proxy-protocol", "v2"], {}, { admin: true })));
    const backends: Record<string, string> = {};
    nodes.forEach((node, i) => {
      backends[`PKGINDEX_NODE${i + 1}_ADDR`] = "127.0.0.1";
      backends[`PKGINDEX_NODE${i + 1}_PORT`] = String(node.port);
      backends[`PKGINDEX_NODE${i + 1}_ADMIN_PORT`] = String(node.adminPort);
    });
    haproxy = await startHaproxy("haproxy-nodes.cfg", backends);
  });

  afterAll(async () => {
    await haproxy?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it("the challenge phases pass at concurrency 100 through HAProxy, and every node served part of them", async () => {
    const before = await Promise.all(nodes.map(commandsServed));
    const result = await runHarness({
      host: "127.0.0.1",
      port: haproxy.port,
      data: loadBrewFile(BREW_DATA),
      concurrency: 100,
      seed: 13,
      unluckiness: 5,
      disconnects: 0,
      pipeline: 1,
      timeoutSeconds: 30,
    });
    expect(JSON.stringify(result.failure)).toBe("null");
    expect(result.phases[1].ok).toBe(3370);
    expect(result.phases[4].fail).toBe(3370);
    const after = await Promise.all(nodes.map(commandsServed));
    for (let i = 0; i < nodes.length; i++) expect(after[i] - before[i]).toBeGreaterThan(1000);
  });

  it("the linearizability checker passes with its clients spread over the nodes", async () => {
    const before = await Promise.all(nodes.map(commandsServed));
    const result = await runCheck({ targets: [{ host: "127.0.0.1", port: haproxy.port }], clients: 10, seconds: 8, rounds: 30, seed: 21 });
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe("linearizable");
    expect(result.unanswered).toBe(0);
    const after = await Promise.all(nodes.map(commandsServed));
    for (let i = 0; i < nodes.length; i++) expect(after[i] - before[i]).toBeGreaterThan(50);
  });

  it("SIGKILL of one node under load: the others keep serving, and the history (with every name queried at the end) stays linearizable", async () => {
    const victim = nodes[2];
    let killedAt = 0;
    let injected: Promise<number | string> | null = null;
    const result = await runCheck({
      targets: [{ host: "127.0.0.1", port: haproxy.port }],
      clients: 10,
      seconds: 12,
      rounds: 40,
      seed: 5,
      onProgress: (p: RunProgress) => {
        if (injected === null && p.answered >= 500) {
          killedAt = performance.now();
          victim.child.kill("SIGKILL");
          injected = victim.exited;
        }
      },
    });
    expect(await injected).toBe("SIGKILL");
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe("linearizable");
    expect(answeredAfter(result, killedAt)).toBeGreaterThan(500);
    for (const node of nodes.slice(0, 2)) expect(node.child.exitCode).toBeNull();
  });
});
