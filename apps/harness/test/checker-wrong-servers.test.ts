import { afterEach, describe, expect, it } from "vitest";
import { type CheckRunOptions, checkHistory, formatWitness, runCheck } from "../src/index.ts";
import { type IndexServerBugs, type InProcessServer, startIndexServer } from "./checker-servers.ts";

// The checker must catch each kind of wrong server by its history alone,
// and pass the correct reference server: 10 clients, 30 rounds of 100.

let server: InProcessServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

const run = (port: number, overrides: Partial<CheckRunOptions> = {}) =>
  runCheck({ targets: [{ host: "127.0.0.1", port }], clients: 10, seconds: 10, rounds: 30, seed: 1, ...overrides });

describe("the checker against in-process servers", () => {
  it.each([
    [10, 1],
    [4, 4],
  ])("passes the correct reference server with %i clients at pipeline %i", async (clients, pipeline) => {
    server = await startIndexServer();
    const result = await run(server.port, { clients, pipeline });
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe("linearizable");
    expect(result.histories).toBe(30);
    expect(result.answered).toBe(result.operations);
    expect(server.applied()).toBe(result.operations);
  });

  it.each<[string, IndexServerBugs, number]>([
    ["stale reads lagging writes by 1 ms", { staleReadsMs: 1 }, 1],
    ["replies sent 1 ms before the change is applied", { replyBeforeApplyMs: 1 }, 1],
    ["a lost acknowledged write (every 20th successful INDEX)", { loseEveryNthWrite: 20 }, 1],
    ["replies reordered on a connection", { reverseReplies: true }, 4],
  ])("catches %s, with a small witness that is itself a violation", async (_, bugs, pipeline) => {
    server = await startIndexServer(bugs);
    // Pipelined with 4 clients: see checker-pkgindex.test.ts on operations in flight.
    const result = await run(server.port, { pipeline, clients: pipeline === 1 ? 10 : 4 });
    expect(result.outcome).toBe("violation");
    const witness = result.witness!;
    expect(witness.ops.length).toBeLessThan(witness.historyOps);
    expect(witness.ops.length).toBeLessThanOrEqual(witness.prefixOps);
    // The witness proves the violation on its own.
    const ops = witness.ops.map(({ op, answeredAfterCut }) => (answeredAfterCut ? { ...op, respond: null, reply: null } : op));
    expect(checkHistory({ label: "witness", names: witness.names, ops }).verdict).toBe("violation");
    const text = formatWitness(witness);
    expect(text).toMatch(/^NOT LINEARIZABLE: round \d+ \(\d+ operations on /);
    expect(text).toMatch(/client {2}invoked ms {2}replied ms {2}request/);
    expect(text.split("\n").filter((l) => /^ {2}c\d+ /.test(l))).toHaveLength(witness.ops.length);
  });

  it("reports a reply that is not in the protocol as a violation", async () => {
    const net = await import("node:net");
    const yes = net.createServer((s) => {
      s.on("error", () => {});
      s.on("data", (d) => s.write("YES\n".repeat(String(d).split("\n").length - 1)));
    });
    await new Promise<void>((r) => yes.listen(0, "127.0.0.1", r));
    try {
      const result = await run((yes.address() as import("node:net").AddressInfo).port, { rounds: 1 });
      expect(result.outcome).toBe("violation");
      expect(result.witness?.ops.map((o) => o.op.reply)).toEqual(["YES"]);
    } finally {
      yes.close();
    }
  });
});
