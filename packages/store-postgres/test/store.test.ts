// PostgresStore: start-up (migrations, refusals, waiting for the database),
// writers serialized across connections, commit failures told apart from
// unknown outcomes, and load / dump / bulk load.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PostgresStore, SCHEMA_VERSION, WRITER_LOCK_KEY, isCommitOutcomeUnknown } from "../src/index.ts";
import { MIGRATIONS } from "../src/schema.ts";
import { codes, connect, databaseOf, rejection, useCluster, waitForLockWaiters, waitUntil } from "./helpers.ts";
import { Model } from "./model.ts";
import { Client } from "pg";

const env = useCluster();

/** A database as a version-1 pkgindex created it (what migrate() writes first, then migration 0). */
const VERSION_1 = `CREATE SCHEMA pkgindex;
  CREATE TABLE pkgindex.schema_version (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL);
  INSERT INTO pkgindex.schema_version (version) VALUES (1);
  ${MIGRATIONS[0]}`;

/** A session of its own on `url` (the test's "other node" or operator). */
async function session(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  return client;
}

describe("start-up", () => {
  it("migrates a new database once; connecting again, and concurrently, changes nothing", async () => {
    const url = await env.cluster.createDatabase();
    const db = databaseOf(url);
    const stores = await Promise.all([connect(url), connect(url), connect(url)]);
    expect(stores.map((s) => s.migration.from).toSorted()).toEqual([0, SCHEMA_VERSION, SCHEMA_VERSION]);
    expect(stores.every((s) => s.migration.to === SCHEMA_VERSION)).toBe(true);
    await stores[0].applyBatch("INDEX|a|\nINDEX|b|a");
    const again = await connect(url);
    expect(again.migration).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    expect(await again.dumpEntries()).toEqual([{ name: "a", deps: [] }, { name: "b", deps: ["a"] }]);
    expect(await env.cluster.sql(db, "SELECT version FROM pkgindex.schema_version")).toEqual([{ version: SCHEMA_VERSION }]);
  });

  it("with no connection string, connects from the libpq PG* environment variables", async () => {
    const url = await env.cluster.createDatabase();
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { PGHOST: env.cluster.socketDir, PGPORT: String(env.cluster.port), PGUSER: "postgres", PGDATABASE: databaseOf(url) });
      const store = await connect(undefined);
      expect(store.target).toBe(`postgres@${env.cluster.socketDir}:${env.cluster.port}/${databaseOf(url)}`);
      expect(codes(await store.applyBatch("INDEX|a|\nQUERY|a|"))).toEqual([0, 0]);
    } finally {
      for (const key of ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE"]) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it("migrates a version 1 database: its history stays (stamped with the migration's time), apply is replaced, revisions go on", async () => {
    const url = await env.cluster.createDatabase();
    const db = databaseOf(url);
    // Version 1 as a database has it: the tables, its two-argument apply, and a history with a CLEAR.
    await env.cluster.sql(
      db,
      `${VERSION_1}
       INSERT INTO pkgindex.packages (name) VALUES ('a');
       INSERT INTO pkgindex.changes (revision, command, name, deps) VALUES (1, 'INDEX', 'x', ''), (2, 'CLEAR', '', ''), (3, 'INDEX', 'a', '');
       UPDATE pkgindex.meta SET revision = 3;`,
    );
    const before = Date.now();
    const store = await connect(url);
    expect(store.migration).toEqual({ from: 1, to: SCHEMA_VERSION });
    expect(codes(await store.applyBatch("INDEX|b|a"))).toEqual([0]);
    const rows = await env.cluster.sql(db, "SELECT revision::int, command, (extract(epoch FROM at) * 1000)::float8 AS at FROM pkgindex.changes ORDER BY revision");
    expect(rows.map((r) => `${r.revision} ${r.command}`)).toEqual(["1 INDEX", "2 CLEAR", "3 INDEX", "4 INDEX"]);
    for (const r of rows) expect(Number(r.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(await env.cluster.sql(db, "SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'apply' AND pronamespace = 'pkgindex'::regnamespace")).toEqual([{ n: 1 }]);
  });

  it("a newer schema: retried with backoff, each wait naming both versions, then PKGI_PG_NEWER_SCHEMA in one line at the connect timeout; nothing touched", async () => {
    const url = await env.cluster.createDatabase();
    const db = databaseOf(url);
    await (await connect(url)).applyBatch("INDEX|a|");
    await env.cluster.sql(db, "UPDATE pkgindex.schema_version SET version = $1", [SCHEMA_VERSION + 1]);
    const reasons: string[] = [];
    const delays: number[] = [];
    const started = performance.now();
    const err = await rejection(
      PostgresStore.connect({
        connectionString: url,
        connectTimeoutMillis: 800,
        onRetry: ({ reason, delayMillis }) => {
          reasons.push(reason);
          delays.push(delayMillis);
        },
      }),
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(800);
    const versions = new RegExp(`/${db} has pkgindex schema version ${SCHEMA_VERSION + 1}; this pkgindex understands up to ${SCHEMA_VERSION}$`);
    expect(err).toMatchObject({ pkgIndexError: true, code: "PKGI_PG_NEWER_SCHEMA", oneLine: true });
    expect(err.message).toMatch(versions);
    expect(reasons.length).toBeGreaterThanOrEqual(2);
    for (const reason of reasons) expect(reason).toMatch(versions);
    expect(delays[1]).toBeGreaterThan(delays[0]);
    expect(await env.cluster.sql(db, "SELECT version FROM pkgindex.schema_version")).toEqual([{ version: SCHEMA_VERSION + 1 }]);
    expect(await env.cluster.sql(db, "SELECT name FROM pkgindex.packages")).toEqual([{ name: "a" }]);
  });

  it("a newer schema that goes back to this version while it waits (a rollback) is used once it does", async () => {
    const url = await env.cluster.createDatabase();
    const db = databaseOf(url);
    await (await connect(url)).applyBatch("INDEX|a|");
    await env.cluster.sql(db, "UPDATE pkgindex.schema_version SET version = $1", [SCHEMA_VERSION + 1]);
    let rolledBack: Promise<unknown> | undefined;
    const store = await connect(url, {
      connectTimeoutMillis: 30_000,
      onRetry: () => {
        rolledBack ??= env.cluster.sql(db, "UPDATE pkgindex.schema_version SET version = $1", [SCHEMA_VERSION]);
      },
    });
    expect(rolledBack).toBeDefined();
    expect(store.migration).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    expect(codes(await store.applyBatch("QUERY|a|"))).toEqual([0]);
  });

  it("upgrades a version-1 database: the index, its revisions and the change log stay, and apply answers as before", async () => {
    const url = await env.cluster.createDatabase();
    const db = databaseOf(url);
    // A database as a version-1 pkgindex left it, written through its function.
    await env.cluster.sql(db, VERSION_1);
    expect(await env.cluster.sql(db, "SELECT pkgindex.apply($1) AS codes", ["INDEX|a|\nINDEX|b|a\nREMOVE|a|\nQUERY|b|"])).toEqual([{ codes: "0010" }]);
    const store = await connect(url);
    expect(store.migration).toEqual({ from: 1, to: SCHEMA_VERSION });
    expect(await store.dumpEntries()).toEqual([{ name: "a", deps: [] }, { name: "b", deps: ["a"] }]);
    expect(await store.revision()).toBe(2);
    expect(codes(await store.applyBatch("QUERY|a|\nREMOVE|b|\nQUERY|b|\nINDEX|c|b\nQUERY|c|"))).toEqual([0, 0, 1, 1, 1]);
    expect(await store.revision()).toBe(3);
  });

  it("refuses a schema named pkgindex that is not pkgindex's", async () => {
    const url = await env.cluster.createDatabase();
    await env.cluster.sql(databaseOf(url), "CREATE SCHEMA pkgindex; CREATE TABLE pkgindex.packages (x int)");
    const err = await rejection(PostgresStore.connect({ connectionString: url }));
    expect(err).toMatchObject({ code: "PKGI_PG_SCHEMA", oneLine: true });
    expect(err.message).toMatch(/not pkgindex's/);
  });

  it("an unreachable database: retries with growing backoff, then one line after the connect timeout", async () => {
    const nowhere = mkdtempSync(join(tmpdir(), "pkgindex-nopg-"));
    try {
      const delays: number[] = [];
      const started = performance.now();
      const err = await rejection(
        PostgresStore.connect({
          connectionString: `postgresql://postgres@localhost/x?host=${encodeURIComponent(nowhere)}`,
          connectTimeoutMillis: 800,
          onRetry: ({ delayMillis }) => delays.push(delayMillis),
        }),
      );
      const elapsed = performance.now() - started;
      expect(err).toMatchObject({ pkgIndexError: true, code: "PKGI_PG_CONNECT_FAILED", oneLine: true });
      expect(err.message).toContain(`postgres@${nowhere}:5432/x within 0.8 s`);
      expect(err.message).toMatch(/ENOENT/);
      expect(elapsed).toBeGreaterThanOrEqual(800);
      expect(elapsed).toBeLessThan(10_000);
      expect(delays.length).toBeGreaterThanOrEqual(2);
      expect(delays[1]).toBeGreaterThan(delays[0]);
    } finally {
      rmSync(nowhere, { recursive: true, force: true });
    }
  });

  it("waits for a database that appears while it retries (a container started before its database)", async () => {
    const name = `late_${process.pid}`;
    const url = env.cluster.url(name);
    let created: Promise<unknown> | undefined;
    const store = await PostgresStore.connect({
      connectionString: url,
      connectTimeoutMillis: 30_000,
      // The first failed attempt (database "late_…" does not exist) creates it.
      onRetry: ({ reason }) => {
        expect(reason).toMatch(/does not exist \(SQLSTATE 3D000\)/);
        created ??= env.cluster.sql("postgres", `CREATE DATABASE ${name}`);
      },
    });
    try {
      expect(created).toBeDefined();
      expect(codes(await store.applyBatch("INDEX|a|\nQUERY|a|"))).toEqual([0, 0]);
    } finally {
      await store.close();
    }
  });
});

describe("writers on different connections are serialized", () => {
  it("two stores' concurrent batches: the result equals one serial order, revisions gap-free, each batch contiguous", async () => {
    const url = await env.cluster.createDatabase();
    const db = databaseOf(url);
    const [one, two] = await Promise.all([connect(url), connect(url)]);
    // Each batch starts with an INDEX of a new marker package, so each batch
    // takes at least one revision and the change log gives the commit order.
    const names = ["a", "b", "c", "d", "e"];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const makeBatch = (marker: string): string[] => {
      const lines = [`INDEX|${marker}|`];
      for (let i = 0; i < 12; i++) {
        const name = names[random(names.length)];
        const kind = random(3);
        if (kind === 0) lines.push(`REMOVE|${name}|`);
        else if (kind === 1) lines.push(`QUERY|${name}|`);
        else lines.push(`INDEX|${name}|${names.filter(() => random(3) === 0).join(",")}`);
      }
      return lines;
    };
    const batches = new Map<string, string[]>();
    const replies = new Map<string, number[]>();
    const run = async (store: PostgresStore, prefix: string, count: number): Promise<void> => {
      const pending: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const marker = `${prefix}${i}`;
        const batch = makeBatch(marker);
        batches.set(marker, batch);
        pending.push(store.applyBatch(batch.join("\n")).then((got) => void replies.set(marker, codes(got))));
      }
      await Promise.all(pending);
    };

    // Hold the writer lock so both stores' first batches queue behind it:
    // proof they really wait for each other, not merely run one after the other.
    const holder = await session(url);
    await holder.query("BEGIN");
    await holder.query(`SELECT pg_advisory_xact_lock(${WRITER_LOCK_KEY})`);
    const done = Promise.all([run(one, "m1_", 25), run(two, "m2_", 25)]);
    await waitForLockWaiters(env.cluster, db, 2);
    await holder.query("COMMIT");
    await holder.end();
    await done;

    const log = await env.cluster.sql(db, "SELECT revision::int, command, name, deps FROM pkgindex.changes ORDER BY revision");
    expect(log.map((r) => r.revision)).toEqual(log.map((_, i) => i + 1));
    const order = log.map((r) => String(r.name)).filter((n) => batches.has(n));
    expect(order.toSorted()).toEqual([...batches.keys()].toSorted());
    // Replaying the batches in that order through the model gives every reply,
    // every change in the same place, and the final index.
    const model = new Model(false);
    for (const marker of order) expect(model.applyBatch(batches.get(marker) as string[])).toEqual(replies.get(marker));
    expect(log.map(({ command, name, deps }) => ({ command, name, deps }))).toEqual(model.changes);
    expect(await one.dumpEntries()).toEqual(model.entries());
  });

  it("a batch of QUERYs only takes no writer lock: it is answered while a writer holds it", async () => {
    const url = await env.cluster.createDatabase();
    const store = await connect(url);
    await store.applyBatch("INDEX|a|");
    const holder = await session(url);
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT pg_advisory_xact_lock(${WRITER_LOCK_KEY})`);
      expect(codes(await store.applyBatch("QUERY|a|\nQUERY|b|"))).toEqual([0, 1]);
      expect(await store.query("a")).toBe(true);
    } finally {
      await holder.query("COMMIT");
      await holder.end();
    }
  });
});

describe("failed and unknown commits", () => {
  it("a statement PostgreSQL refuses fails the whole batch definitely; the store goes on", async () => {
    const url = await env.cluster.createDatabase();
    const store = await connect(url);
    await store.applyBatch("INDEX|a|");
    // Behind the store's back: any edge insert raises.
    await env.cluster.sql(
      databaseOf(url),
      `CREATE FUNCTION pkgindex.no_edges() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no edges today'; END $$;
       CREATE TRIGGER no_edges BEFORE INSERT ON pkgindex.edges FOR EACH ROW EXECUTE FUNCTION pkgindex.no_edges();`,
    );
    const err = await rejection(store.applyBatch("INDEX|b|\nINDEX|c|a"));
    expect(err).toMatchObject({ pkgIndexError: true, code: "PKGI_PG_COMMIT_FAILED", oneLine: true });
    expect(err.message).toMatch(/nothing of it is stored\): no edges today \(SQLSTATE P0001\)/);
    expect(await store.dumpEntries()).toEqual([{ name: "a", deps: [] }]);
    expect(await store.revision()).toBe(1);
    expect(codes(await store.applyBatch("INDEX|b|"))).toEqual([0]);
  });

  it("the connection lost while a batch is in flight: PKGI_PG_COMMIT_UNKNOWN, then it reconnects by itself", async () => {
    const url = await env.cluster.createDatabase();
    const db = databaseOf(url);
    const store = await connect(url);
    await store.applyBatch("INDEX|a|");
    const holder = await session(url);
    await holder.query("BEGIN");
    await holder.query(`SELECT pg_advisory_xact_lock(${WRITER_LOCK_KEY})`);
    const inFlight = store.applyBatch("INDEX|b|a");
    const queued = store.applyBatch("INDEX|c|a");
    await waitForLockWaiters(env.cluster, db, 1);
    // Kill the backend serving the store while it waits: its batch was sent
    // and no reply will ever come.
    await env.cluster.sql(db, "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    const err = await rejection(inFlight);
    expect(err).toMatchObject({ pkgIndexError: true, code: "PKGI_PG_COMMIT_UNKNOWN", oneLine: true });
    expect(err.message).toMatch(/may or may not be stored/);
    expect(isCommitOutcomeUnknown(await inFlight.catch((e: unknown) => e))).toBe(true);
    await holder.query("COMMIT");
    await holder.end();
    // The next batch had not been sent: it runs on a new connection.
    expect(codes(await queued)).toEqual([0]);
    expect(store.connected).toBe(true);
    expect(await store.dumpEntries()).toEqual([{ name: "a", deps: [] }, { name: "c", deps: ["a"] }]);
  });

  it("a batch past commitTimeoutMillis is PKGI_PG_COMMIT_UNKNOWN, and it may indeed commit later", async () => {
    const url = await env.cluster.createDatabase();
    const db = databaseOf(url);
    const store = await connect(url, { commitTimeoutMillis: 300 });
    await store.applyBatch("INDEX|a|");
    const holder = await session(url);
    await holder.query("BEGIN");
    await holder.query(`SELECT pg_advisory_xact_lock(${WRITER_LOCK_KEY})`);
    const started = performance.now();
    const err = await rejection(store.applyBatch("INDEX|b|a"));
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(err).toMatchObject({ code: "PKGI_PG_COMMIT_UNKNOWN", oneLine: true });
    expect(err.message).toMatch(/Query read timeout/);
    // The server was never told: once the lock is free the abandoned batch
    // (first in the lock's queue) commits. This is why an unknown outcome
    // must not be answered FAIL.
    await waitForLockWaiters(env.cluster, db, 1);
    await holder.query("COMMIT");
    await holder.end();
    expect(codes(await store.applyBatch("QUERY|b|"))).toEqual([0]);
  });

  it("an idle connection that dies does not crash the process; the next call reconnects", async () => {
    const url = await env.cluster.createDatabase();
    const store = await connect(url);
    await store.applyBatch("INDEX|a|");
    await env.cluster.sql(databaseOf(url), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pkgindex'");
    // The server's FATAL reaches the idle client as an 'error' event.
    await waitUntil(() => !store.connected);
    expect(await store.query("a")).toBe(true);
    expect(store.connected).toBe(true);
    expect(codes(await store.applyBatch("QUERY|a|"))).toEqual([0]);
  });

  it("after close, calls are refused", async () => {
    const store = await connect(await env.cluster.createDatabase());
    await store.close();
    expect(await rejection(store.applyBatch("QUERY|a|"))).toMatchObject({ code: "PKGI_PG_CLOSED" });
  });
});

describe("load, dumpEntries, bulkLoad", () => {
  it("load yields every package after its dependencies, from one snapshot, with the revision", async () => {
    const store = await connect(await env.cluster.createDatabase());
    await store.applyBatch("INDEX|z|\nINDEX|y|z\nINDEX|x|y,z\nINDEX|w|x\nREMOVE|w|");
    const seen: [string, string[]][] = [];
    const stats = await store.load((name, deps) => seen.push([name, deps.toSorted()]));
    expect(stats).toMatchObject({ packages: 3, edges: 3, unordered: 0, revision: 5 });
    expect(seen).toEqual([["z", []], ["y", ["z"]], ["x", ["y", "z"]]]);
  });

  it("bulkLoad round-trips through dumpEntries, refuses to merge, replaces in one transaction, and records revisions", async () => {
    const url = await env.cluster.createDatabase();
    const db = databaseOf(url);
    const store = await connect(url);
    const entries = [
      { name: "libsigc++", deps: ["gtk+3", "@scope/pkg"] },
      { name: "gtk+3", deps: ["python@3.12"] },
      { name: "python@3.12", deps: [] },
      { name: "@scope/pkg", deps: ["python@3.12", "python@3.12"] },
    ];
    const stats = await store.bulkLoad(entries);
    expect(stats).toMatchObject({ packages: 4, edges: 4, created: 0, replaced: 0, revision: 4 });
    expect(await store.dumpEntries()).toEqual([
      { name: "@scope/pkg", deps: ["python@3.12"] },
      { name: "gtk+3", deps: ["python@3.12"] },
      { name: "libsigc++", deps: ["@scope/pkg", "gtk+3"] },
      { name: "python@3.12", deps: [] },
    ]);
    const merge = await rejection(store.bulkLoad([{ name: "q", deps: [] }], { source: "deps.txt" }));
    expect(merge).toMatchObject({ code: "PKGI_LOAD_FILE", oneLine: true });
    expect(merge.message).toMatch(/^cannot load deps.txt: the index already holds 4 packages; load never merges/);

    const replaced = await store.bulkLoad([{ name: "q", deps: ["r"] }], { replace: true, missing: "create" });
    expect(replaced).toMatchObject({ packages: 2, created: 1, replaced: 4, revision: 10 });
    expect(await store.dumpEntries()).toEqual([{ name: "q", deps: ["r"] }, { name: "r", deps: [] }]);
    const log = await env.cluster.sql(db, "SELECT revision::int, command, name, deps FROM pkgindex.changes WHERE revision > 4 ORDER BY revision");
    expect(log).toEqual([
      // The old index goes as one REMOVE per package (by name), as a SQLite load --replace records it.
      { revision: 5, command: "REMOVE", name: "@scope/pkg", deps: "" },
      { revision: 6, command: "REMOVE", name: "gtk+3", deps: "" },
      { revision: 7, command: "REMOVE", name: "libsigc++", deps: "" },
      { revision: 8, command: "REMOVE", name: "python@3.12", deps: "" },
      { revision: 9, command: "INDEX", name: "r", deps: "" },
      { revision: 10, command: "INDEX", name: "q", deps: "r" },
    ]);
    // Applying batches continues from the loaded revision.
    expect(codes(await store.applyBatch("INDEX|s|q"))).toEqual([0]);
    expect(await store.revision()).toBe(11);
  });

  it("bulkLoad refuses a bad file before writing anything", async () => {
    const store = await connect(await env.cluster.createDatabase());
    await store.applyBatch("INDEX|keep|");
    const cases: [Parameters<PostgresStore["bulkLoad"]>, RegExp][] = [
      [[[{ name: "a", deps: ["ghost"] }], { replace: true, lines: [3] }], /line 3: package a depends on ghost, which is not listed/],
      [[[{ name: "a b", deps: [] }], { replace: true }], /invalid package name "a b"/],
      [[[{ name: "a", deps: [] }, { name: "a", deps: [] }], { replace: true }], /package a is listed twice/],
      [[[{ name: "a", deps: ["b"] }, { name: "b", deps: ["a"] }], { replace: true }], /dependency cycle/],
    ];
    for (const [args, message] of cases) {
      const err = await rejection(store.bulkLoad(...args));
      expect(err).toMatchObject({ code: "PKGI_LOAD_FILE", oneLine: true });
      expect(err.message).toMatch(message);
    }
    expect(await store.dumpEntries()).toEqual([{ name: "keep", deps: [] }]);
    // With cycles allowed the cyclic file loads, and load() reports it unordered.
    await store.bulkLoad([{ name: "a", deps: ["b"] }, { name: "b", deps: ["a"] }], { replace: true, allowCycles: true });
    expect((await store.load(() => {})).unordered).toBe(2);
  });
});
