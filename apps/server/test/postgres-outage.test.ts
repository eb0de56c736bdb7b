// --store postgres when the database is not there: at start-up (retry with
// backoff, /readyz 503 with the reason, then one line and exit 1, or serve
// once it comes), and under load (a batch whose COMMIT outcome is unknown
// closes its connections unanswered; the node reconnects by itself).
import { PostgresStore, SCHEMA_VERSION, WRITER_LOCK_KEY } from "@pkgindex/store-postgres";
import { databaseOf, spawnLogging } from "@pkgindex/server-process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "@pkgindex/server-process";
import { LineClient } from "./support/line-client.ts";
import { postgresArgs, usePostgres } from "./support/postgres.ts";
import { adminGet, CLI, startServer } from "./support/server-process.ts";

const env = usePostgres();

/** Polls /readyz on the admin port (every 20 ms, bounded) until `accept` holds; returns that answer. */
async function adminUntil(
  port: number,
  accept: (r: { status: number; body: string }) => boolean,
  process?: { child: { exitCode: number | null } },
  deadlineMs = 20_000,
): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + deadlineMs;
  let last = { status: 0, body: "" };
  for (;;) {
    if (process !== undefined && process.child.exitCode !== null) throw new Error(`the server exited (${process.child.exitCode}) while /readyz was awaited`);
    last = await adminGet(port, "/readyz?verbose").catch(() => ({ status: 0, body: "" }));
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`/readyz never matched within ${deadlineMs} ms; last: ${last.status} ${last.body}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls a SQL count (every 20 ms, bounded) until it reaches `want`. */
async function sqlUntil(db: string, text: string, want: number, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const rows = await env.cluster.sql(db, text);
    if (Number(rows[0].n) >= want) return;
    if (Date.now() > deadline) throw new Error(`${text} stayed below ${want} for ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each([0, 2])("--store postgres --workers %i, database away at start-up", (workers) => {
  it("unreachable: /readyz 503 naming why while it retries, then one line naming the problem and exit 1", async () => {
    const nowhere = mkdtempSync(join(tmpdir(), "pkgindex-nopg-"));
    try {
      const adminPort = await freePort();
      const url = `postgresql://postgres@localhost:5432/none?host=${encodeURIComponent(nowhere)}`;
      const run = spawnLogging(CLI, [
        "serve", "--host", "127.0.0.1", "--port", "0", "--admin-host", "127.0.0.1", "--admin-port", String(adminPort),
        ...postgresArgs(url, workers, 3),
      ]);
      const waiting = await adminUntil(adminPort, (r) => r.status === 503 && r.body.includes("waiting for PostgreSQL"), run);
      expect(waiting.body).toContain("[-]store-reachable failed");
      expect(waiting.body).toMatch(/reason: waiting for PostgreSQL \(attempt \d+\): .*ENOENT/);
      expect(await run.exited).toBe(1);
      const stderr = run.stderr().trimEnd();
      expect(stderr.split("\n")).toHaveLength(1);
      expect(stderr).toMatch(/^pkgindex: \[PKGI_PG_CONNECT_FAILED\] cannot connect to PostgreSQL postgres@.*\/none within 3 s: /);
      expect(run.logs.some((l) => l.msg === "listening")).toBe(false);
    } finally {
      rmSync(nowhere, { recursive: true, force: true });
    }
  });
});

describe.each([0, 2])("--store postgres --workers %i, a newer schema at start-up", (workers) => {
  it("/readyz 503 naming both versions while it retries, serving once the schema is back at this version; else one line naming them and exit 1", async () => {
    const url = await env.cluster.createDatabase();
    const db = databaseOf(url);
    await (await PostgresStore.connect({ connectionString: url })).close();
    await env.cluster.sql(db, "UPDATE pkgindex.schema_version SET version = $1", [SCHEMA_VERSION + 1]);
    const versions = `has pkgindex schema version ${SCHEMA_VERSION + 1}; this pkgindex understands up to ${SCHEMA_VERSION}`;
    const start = async (timeoutSeconds: number) => {
      const adminPort = await freePort();
      const run = spawnLogging(CLI, [
        "serve", "--host", "127.0.0.1", "--port", "0", "--admin-host", "127.0.0.1", "--admin-port", String(adminPort),
        ...postgresArgs(url, workers, timeoutSeconds),
      ]);
      const waiting = await adminUntil(adminPort, (r) => r.status === 503 && r.body.includes("waiting for PostgreSQL"), run);
      expect(waiting.body).toContain("[-]store-reachable failed");
      expect(waiting.body).toMatch(new RegExp(`reason: waiting for PostgreSQL \\(attempt \\d+\\): PostgreSQL database .*/${db} ${versions}`));
      return { run, adminPort };
    };

    // Nobody fixes it: one line naming the versions after the timeout, exit 1.
    const given = await start(3);
    expect(await given.run.exited).toBe(1);
    const stderr = given.run.stderr().trimEnd();
    expect(stderr.split("\n")).toHaveLength(1);
    expect(stderr).toMatch(new RegExp(`^pkgindex: \\[PKGI_PG_NEWER_SCHEMA\\] PostgreSQL database .*/${db} ${versions}$`));
    expect(given.run.logs.some((l) => l.msg === "listening")).toBe(false);

    // The schema goes back to this version while it waits (a rollback): it serves.
    const waited = await start(30);
    await env.cluster.sql(db, "UPDATE pkgindex.schema_version SET version = $1", [SCHEMA_VERSION]);
    try {
      const listening = await waited.run.waitForLog((l) => l.msg === "listening");
      await adminUntil(waited.adminPort, (r) => r.status === 200);
      const c = await LineClient.connect(listening.port as number);
      expect(await c.send("INDEX|after-rollback|")).toBe("OK");
      c.close();
    } finally {
      waited.run.child.kill("SIGTERM");
      expect(await waited.run.exited).toBe(0);
    }
  });
});

describe("--store postgres, the database comes later or goes away", () => {
  it("a node started before its database serves once the database is up (containers start before their database)", async () => {
    const url = await env.cluster.createDatabase();
    await env.cluster.halt("fast");
    let restarted = false;
    try {
      const adminPort = await freePort();
      const run = spawnLogging(CLI, [
        "serve", "--host", "127.0.0.1", "--port", "0", "--admin-host", "127.0.0.1", "--admin-port", String(adminPort), ...postgresArgs(url, 2),
      ]);
      try {
        await adminUntil(adminPort, (r) => r.status === 503 && r.body.includes("waiting for PostgreSQL"), run);
        await env.cluster.restart();
        restarted = true;
        const listening = await run.waitForLog((l) => l.msg === "listening");
        await adminUntil(adminPort, (r) => r.status === 200);
        const c = await LineClient.connect(listening.port as number);
        expect(await c.send("INDEX|late|")).toBe("OK");
        c.close();
      } finally {
        run.child.kill("SIGTERM");
        expect(await run.exited).toBe(0);
      }
    } finally {
      if (!restarted) await env.cluster.restart();
    }
  });

  it.each([0, 2])("--workers %i: a batch whose COMMIT outcome is unknown closes the connections it served, unanswered; the node reconnects by itself", async (workers) => {
    const url = await env.cluster.createDatabase();
    const db = databaseOf(url);
    const server = await startServer(postgresArgs(url, workers), {}, { admin: true });
    try {
      const bystander = await LineClient.connect(server.port);
      expect(await bystander.send("INDEX|base|")).toBe("OK");
      // Another session holds the writer lock, so the node's next batch waits inside pkgindex.apply.
      const holder = env.cluster.sql(db, "SELECT pg_advisory_xact_lock($1::bigint), pg_sleep(60)", [WRITER_LOCK_KEY.toString()]).catch(() => "terminated");
      await sqlUntil(db, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted", 1);
      const victim = await LineClient.connect(server.port);
      victim.write("INDEX|lost|base\nQUERY|base|\n");
      await sqlUntil(db, "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", 1);
      // The node's session dies mid-batch: whether it committed is not known to the node.
      await env.cluster.sql(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pkgindex' AND datname = $1", [db]);
      await new Promise<void>((resolve) => (victim.closed ? resolve() : victim.socket.once("close", () => resolve())));
      expect(victim.replies).toEqual([]);
      expect(victim.partial).toBe("");
      // The connection that had nothing in that batch stays open.
      expect(bystander.closed).toBe(false);
      await env.cluster.sql(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()");
      expect(await holder).toBe("terminated");
      // Reconnected by itself: both connections are served again.
      expect(await bystander.send("QUERY|base|")).toBe("OK");
      const again = await LineClient.connect(server.port);
      expect(await again.send("INDEX|lost|base")).toBe("OK");
      await adminUntil(server.adminPort, (r) => r.status === 200);
      expect(server.logs.some((l) => l.code === "PKGI_PG_COMMIT_UNKNOWN")).toBe(true);
      bystander.close();
      again.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
