import { Worker } from "node:worker_threads";
import { createSupervisorMetrics } from "@pkgindex/metrics";
import { afterEach, describe, expect, it } from "vitest";
import { ControlClient } from "../src/control-channel.ts";
import { IoWorkerPool } from "../src/io-worker-pool.ts";
import { nextEvent } from "../src/thread-events.ts";
import type { StateOwnerData } from "../src/thread-messages.ts";
import { STATE_OWNER_URL } from "../src/worker-urls.ts";
import { LineSocket } from "./support/line-socket.ts";
import { capturingLogger, testConfig } from "./support/test-config.ts";

// Real threads, started in this process from source: a state owner and a
// pool of two I/O workers plus the warm spare.

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function startPool() {
  const config = testConfig({ workers: 2 });
  const workerData: StateOwnerData = { config, revision: new SharedArrayBuffer(8) };
  const owner = new Worker(STATE_OWNER_URL, { workerData });
  cleanup.push(() => owner.terminate());
  await nextEvent(owner, "ready");
  const { logger, waitFor } = capturingLogger();
  const fatal: string[] = [];
  const pool = new IoWorkerPool(config, new ControlClient(owner), logger, createSupervisorMetrics({ build: { version: "0", revision: "test" }, supervising: true }), (m) => fatal.push(m), null);
  cleanup.push(() => pool.stop("close", 0));
  const port = (await pool.start(2, { plain: 0, tls: null })).plain!;
  return { pool, port, waitFor, fatal };
}

describe("IoWorkerPool", () => {
  it("replaces a crashed I/O worker with the spare; the index and the other clients go on", async () => {
    const { pool, port, waitFor, fatal } = await startPool();
    const before = await LineSocket.connect(port);
    before.write("INDEX|kept|\n");
    expect(await before.waitForReplies(1)).toEqual(["OK"]);
    pool.crashFirst();
    const replaced = await waitFor("I/O worker replaced");
    expect(replaced.worker).toBe(1);
    expect(pool.restarts).toBe(1);
    expect(fatal).toEqual([]);
    // Every connection, old or new, on whichever worker, sees the same index.
    const after = await Promise.all(Array.from({ length: 6 }, () => LineSocket.connect(port)));
    for (const c of after) c.write("QUERY|kept|\n");
    for (const c of after) expect(await c.waitForReplies(1)).toEqual(["OK"]);
    expect((await pool.stats(1000)).map((s) => s.index).toSorted()).toEqual([1, 2]);
    for (const c of [before, ...after]) c.socket.destroy();
  });

  it("answers control requests within their deadline, and a stop reports nothing cut off when nothing is owed", async () => {
    const { pool } = await startPool();
    await pool.ping(1000);
    expect((await pool.metrics(1000)).length).toBe(2);
    const { cutOff } = await pool.stop("drain", 1000);
    expect(cutOff).toBe(0);
  });
});
