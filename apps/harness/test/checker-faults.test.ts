import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type CheckRunResult, runCheck, type RunProgress } from "../src/index.ts";
import { type PkgindexProcess, startPkgindexProcess } from "./pkgindex-process.ts";

// The fault campaign: the checker runs while a fault is injected (from the
// run's progress callback, once enough operations are answered that the
// fault lands mid-round with operations in flight); every history must
// still be linearizable. Each test is bounded by its rounds and seconds.

let live: PkgindexProcess[] = [];
afterEach(async () => {
  for (const s of live) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
  await Promise.all(live.map((s) => s.exited));
  live = [];
});
const scratch = mkdtempSync(path.join(os.tmpdir(), "pkgindex-faults-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function start(args: string[], port = 0): Promise<PkgindexProcess> {
  const server = await startPkgindexProcess(args, port);
  live.push(server);
  return server;
}

/** Runs the check against `port`, calling `fault` once when `after` operations are answered; resolves when both are done. */
async function checkWithFault(port: number, after: number, fault: () => Promise<void>, overrides: { disconnects?: number } = {}): Promise<CheckRunResult> {
  let injected: Promise<void> | null = null;
  const result = await runCheck({
    targets: [{ host: "127.0.0.1", port }],
    clients: 10,
    seconds: 12,
    rounds: 40,
    seed: 7,
    ...overrides,
    onProgress: (p: RunProgress) => {
      if (injected === null && p.answered >= after) injected = fault();
    },
  });
  await injected;
  expect(injected).not.toBeNull();
  return result;
}

/** Answered operations invoked after `t` (ms, performance.now()). */
const answeredAfter = (r: CheckRunResult, t: number): number => r.recorded.reduce((n, h) => n + h.ops.filter((o) => o.reply !== null && o.invoke > t).length, 0);

describe("fault campaign", () => {
  it("an I/O worker crash (--test-hooks, SIGUSR2): its clients are dropped and reconnect, the history stays linearizable", async () => {
    const server = await start(["--workers", "2", "--store", "memory", "--test-hooks"]);
    let at = 0;
    const result = await checkWithFault(server.port, 800, async () => {
      at = performance.now();
      server.child.kill("SIGUSR2");
    });
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe("linearizable");
    expect(result.reconnects).toBeGreaterThan(0);
    expect(answeredAfter(result, at)).toBeGreaterThan(500);
    expect(server.child.exitCode).toBeNull();
  });

  it.each([0, 2])("SIGKILL and restart with the SQLite store, --workers %i: the history spans the restart, operations pending at the kill are unanswered", async (workers) => {
    const args = ["--workers", String(workers), "--store", "sqlite", "--data-dir", path.join(scratch, `kill-${workers}`), "--sync", "full"];
    const first = await start(args);
    let restartedAt = 0;
    const result = await checkWithFault(first.port, 800, async () => {
      first.child.kill("SIGKILL");
      expect(await first.exited).toBe("SIGKILL");
      await start(args, first.port);
      restartedAt = performance.now();
    });
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe("linearizable");
    expect(result.unanswered).toBeGreaterThan(0);
    expect(result.reconnects).toBeGreaterThanOrEqual(10);
    // Rounds went on after the restart, and the final queries of every round's names went to the restarted server.
    expect(answeredAfter(result, restartedAt)).toBeGreaterThan(500);
  });

  it("SIGSTOP for 300 ms, then SIGCONT: replies are late, none is wrong", async () => {
    const server = await start(["--workers", "2", "--store", "memory"]);
    let stoppedFor = 0;
    const result = await checkWithFault(server.port, 800, async () => {
      server.child.kill("SIGSTOP");
      const t = performance.now();
      // The fault's length, not a wait for anything: the server is frozen this long.
      await new Promise((resolve) => setTimeout(resolve, 300));
      server.child.kill("SIGCONT");
      stoppedFor = performance.now() - t;
    });
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe("linearizable");
    expect(result.unanswered).toBe(0);
    // Some operation waited out the whole stop.
    const longest = Math.max(...result.recorded.flatMap((h) => h.ops.map((o) => (o.respond ?? 0) - o.invoke)));
    expect(longest).toBeGreaterThanOrEqual(stoppedFor * 0.9);
  });

  it.each([0, 2])("clients disconnecting mid-line (FIN or RST), --workers %i: a cut-off line never takes effect", async (workers) => {
    const server = await start(["--workers", String(workers), "--store", "memory"]);
    const result = await runCheck({ targets: [{ host: "127.0.0.1", port: server.port }], clients: 10, seconds: 12, rounds: 40, seed: 9, disconnects: 5 });
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe("linearizable");
    expect(result.disconnects).toBeGreaterThan(50);
    expect(result.protocolErrors).toEqual([]);
  });
});
