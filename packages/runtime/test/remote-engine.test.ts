// RemoteEngine on a real PostgreSQL: one batch in flight, everything that
// arrives meanwhile leaves as the next ONE call; codes come back in append
// order; a batch whose outcome is unknown is answered REPLY_UNANSWERED and
// the engine reconnects by itself.
import { REPLY_FAIL, REPLY_OK, REPLY_UNANSWERED } from "@pkgindex/protocol";
import { databaseOf, startCluster, type TestCluster } from "@pkgindex/server-process";
import { WRITER_LOCK_KEY } from "@pkgindex/store-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemoteEngine } from "../src/remote-engine.ts";
import type { StoreStatus } from "../src/store-status.ts";
import { capturingLogger } from "./support/test-config.ts";

let cluster: TestCluster;
const engines: RemoteEngine[] = [];
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  for (const engine of engines) await engine.stop();
  await cluster?.stop();
});

async function open(url: string, statuses: StoreStatus[] = []): Promise<RemoteEngine> {
  const { engine } = await RemoteEngine.open({ postgresUrl: url, storeConnectTimeoutMs: 10_000, allowCycles: false, retention: {} }, capturingLogger().logger, (s) => statuses.push(s));
  engines.push(engine);
  return engine;
}

/** Appends `line` and resolves with its code once its batch is answered. */
function submit(engine: RemoteEngine, line: string): Promise<number> {
  const bytes = Buffer.from(line, "latin1");
  const index = engine.append(bytes, 0, bytes.length, 0);
  return new Promise((resolve) => engine.hold((codes) => resolve(codes[index])));
}

/** Polls a SQL count (every 20 ms, bounded) until it reaches `want`. */
async function sqlUntil(db: string, text: string, want: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Number((await cluster.sql(db, text))[0].n) < want) {
    if (Date.now() > deadline) throw new Error(`${text} stayed below ${want}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Another session takes the writer lock and keeps it until releaseWriterLock() ends that session. */
function holdWriterLock(db: string): Promise<unknown> {
  return cluster.sql(db, "SELECT pg_advisory_xact_lock($1::bigint), pg_sleep(60)", [WRITER_LOCK_KEY.toString()]).catch(() => "terminated");
}

async function releaseWriterLock(): Promise<void> {
  await cluster.sql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()");
}

const LOCK_WAITERS = "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted";
const LOCK_HELD = "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted";

describe("RemoteEngine", () => {
  it("sends one batch at a time: lines appended while one is at PostgreSQL leave together as the next call, answered in order", async () => {
    const url = await cluster.createDatabase();
    const db = databaseOf(url);
    const engine = await open(url);
    const holder = holdWriterLock(db);
    await sqlUntil(db, LOCK_HELD, 1);
    const first = submit(engine, "INDEX|a|");
    await sqlUntil(db, LOCK_WAITERS, 1);
    // The first batch waits for the lock: these 50 accumulate meanwhile.
    const rest = Array.from({ length: 50 }, (_, i) => submit(engine, i % 2 === 0 ? `INDEX|p${i}|a` : `QUERY|p${i - 1}|`));
    const missing = submit(engine, "INDEX|q|nothing");
    await releaseWriterLock();
    expect(await holder).toBe("terminated");
    expect(await first).toBe(REPLY_OK);
    expect(await Promise.all(rest)).toEqual(Array.from({ length: 50 }, () => REPLY_OK));
    expect(await missing).toBe(REPLY_FAIL);
    expect(engine.stats.batches).toBe(2);
    expect(engine.stats.batchedCommands).toBe(52);
  });

  it("a backlog past 4,096 lines is sealed into more than one call, each answered in order", async () => {
    const url = await cluster.createDatabase();
    const db = databaseOf(url);
    const engine = await open(url);
    const holder = holdWriterLock(db);
    await sqlUntil(db, LOCK_HELD, 1);
    const first = submit(engine, "INDEX|a|");
    await sqlUntil(db, LOCK_WAITERS, 1);
    const lines = Array.from({ length: 5000 }, (_, i) => (i % 100 === 0 ? `INDEX|n${i}|a` : `QUERY|n${i - (i % 100)}|`));
    const codes = lines.map((line) => submit(engine, line));
    await releaseWriterLock();
    expect(await holder).toBe("terminated");
    expect(await first).toBe(REPLY_OK);
    expect((await Promise.all(codes)).every((c) => c === REPLY_OK)).toBe(true);
    // 5,000 lines behind the first batch: one sealed at 4,096 lines, then the rest.
    expect(engine.stats.batches).toBe(3);
    expect(engine.stats.batchedCommands).toBe(5001);
  });

  it("an I/O worker's batch is appended with its line indexes", async () => {
    const engine = await open(await cluster.createDatabase());
    const first = engine.pendingLines;
    const batch = Buffer.from("INDEX|x|\nQUERY|x|\nREMOVE|y|\nQUERY|z|\n", "latin1");
    expect(engine.appendLines(batch, batch.length)).toBe(4);
    const codes = await new Promise<Uint8Array>((resolve) => engine.hold(resolve));
    expect([...codes.subarray(first, first + 4)]).toEqual([REPLY_OK, REPLY_OK, REPLY_OK, REPLY_FAIL]);
  });

  it("a batch whose outcome is unknown is answered REPLY_UNANSWERED; /readyz status goes down and comes back by itself", async () => {
    const url = await cluster.createDatabase();
    const db = databaseOf(url);
    const statuses: StoreStatus[] = [];
    const engine = await open(url, statuses);
    expect(await submit(engine, "INDEX|base|")).toBe(REPLY_OK);
    const holder = holdWriterLock(db);
    await sqlUntil(db, LOCK_HELD, 1);
    const lost = submit(engine, "INDEX|lost|base");
    await sqlUntil(db, LOCK_WAITERS, 1);
    await cluster.sql(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pkgindex' AND datname = $1", [db]);
    expect(await lost).toBe(REPLY_UNANSWERED);
    expect(engine.status.ready).toBe(false);
    expect(engine.status.reason).toMatch(/PKGI_PG_COMMIT_UNKNOWN|lost PostgreSQL/);
    await releaseWriterLock();
    expect(await holder).toBe("terminated");
    // Nothing sent: the idle engine's health check reconnects and says so.
    const deadline = Date.now() + 20_000;
    while (!engine.status.ready) {
      if (Date.now() > deadline) throw new Error("the engine did not reconnect by itself");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(statuses.at(-1)).toEqual({ ready: true, reason: "" });
    expect(await submit(engine, "QUERY|base|")).toBe(REPLY_OK);
  });
});
