// A throwaway PostgreSQL 15 cluster for tests: initdb into a fresh temporary
// directory as the `postgres` user (initdb and postgres refuse to run as
// root), a server listening only on a Unix socket in that directory (no TCP
// port to collide with other test runs), fsync on as in production, and
// everything stopped and deleted afterwards.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";

export const PG_BIN = process.env.PKGINDEX_PG_BIN ?? "/usr/lib/postgresql/15/bin";
/** Only names the socket file (.s.PGSQL.5432); the directory is unique, so it never collides. */
const PORT = 5432;

export interface TestCluster {
  /** Directory of the Unix socket (the libpq `host`). */
  socketDir: string;
  port: number;
  /** The running postmaster's pid (-1 while halted). */
  readonly pid: number;
  /** A connection string for `database` on this cluster. */
  url(database: string): string;
  /** Creates an empty database with a unique name; returns its connection string. */
  createDatabase(): Promise<string>;
  /** Runs one SQL text on `database` as the superuser and returns the rows. */
  sql(database: string, text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * Stops the server and keeps its files (`fast`: SIGINT, sessions rolled
   * back, a checkpoint; `immediate`: SIGQUIT, no checkpoint, crash recovery
   * at the next start), for tests of a database that goes away under load.
   */
  halt(mode?: "fast" | "immediate"): Promise<void>;
  /** Starts the halted server again on the same files and socket; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** Fast shutdown and removal of every file. */
  stop(): Promise<void>;
}

function ids(user: string): { uid: number; gid: number } {
  const out = spawnSync("id", ["-u", user], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", user], { encoding: "utf8" });
  if (out.status !== 0 || gid.status !== 0) throw new Error(`no ${user} user: is PostgreSQL installed? (scripts/ensure-test-tools.sh installs it)`);
  return { uid: Number(out.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Database name of a connection string made by url(). */
export function databaseOf(url: string): string {
  return new URL(url).pathname.slice(1);
}

let databaseCounter = 0;

/**
 * Starts a cluster and resolves once it accepts connections. Waiting is a
 * connect loop with a deadline, never a fixed sleep: start-up takes 0.2 s on
 * a quiet machine and several seconds on a loaded one.
 */
export async function startCluster(deadlineMillis = 30_000): Promise<TestCluster> {
  if (!existsSync(join(PG_BIN, "initdb"))) {
    throw new Error(`${PG_BIN}/initdb is missing: run scripts/ensure-test-tools.sh (installs postgresql-15)`);
  }
  const { uid, gid } = ids("postgres");
  const dir = mkdtempSync(join(tmpdir(), "pkgindex-pg-"));
  chownSync(dir, uid, gid);
  const dataDir = join(dir, "data");
  // -N: initdb itself skips fsync of the new files (they are thrown away);
  // the server below runs with fsync on, as in production.
  const init = spawnSync(
    "runuser",
    ["-u", "postgres", "--", join(PG_BIN, "initdb"), "-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "-N"],
    { encoding: "utf8" },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr}`);
  }
  const url = (database: string): string => `postgresql://postgres@localhost:${PORT}/${database}?host=${encodeURIComponent(dir)}`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let stderr = "";

  const launch = async (): Promise<void> => {
    // Spawned with the postgres uid/gid directly (not through runuser), so
    // that child.pid is the postmaster itself and a signal reaches it.
    const postmaster: ChildProcess = spawn(
      join(PG_BIN, "postgres"),
      [
        "-D", dataDir, "-k", dir, "-p", String(PORT),
        "-c", "listen_addresses=", "-c", "fsync=on", "-c", "max_connections=40",
        "-c", "shared_buffers=16MB", "-c", "log_min_messages=fatal",
      ],
      { uid, gid, stdio: ["ignore", "ignore", "pipe"] },
    );
    child = postmaster;
    stderr = "";
    postmaster.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < 10_000) stderr += chunk;
    });
    let running = true;
    exited = new Promise<void>((resolve) => postmaster.once("exit", () => {
      running = false;
      if (child === postmaster) child = null;
      resolve();
    }));
    const deadline = Date.now() + deadlineMillis;
    for (;;) {
      const client = new Client({ connectionString: url("postgres"), connectionTimeoutMillis: 2_000 });
      client.on("error", () => {});
      try {
        await client.connect();
        await client.end();
        return;
      } catch (err) {
        await client.end().catch(() => {});
        if (!running || Date.now() > deadline) {
          throw new Error(`PostgreSQL did not start: ${(err as Error).message}; stderr: ${stderr}`, { cause: err });
        }
        // Waiting for the socket file to appear: poll at 50 ms, bounded by the deadline.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const halt = async (mode: "fast" | "immediate" = "fast"): Promise<void> => {
    if (child === null) return;
    child.kill(mode === "fast" ? "SIGINT" : "SIGQUIT");
    await exited;
  };
  const stop = async (): Promise<void> => {
    await halt("fast");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }

  const sql = async (database: string, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> => {
    const client = new Client({ connectionString: url(database) });
    client.on("error", () => {});
    await client.connect();
    try {
      return (await client.query(text, values)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
  return {
    socketDir: dir,
    port: PORT,
    get pid() {
      return child?.pid ?? -1;
    },
    url,
    sql,
    async createDatabase() {
      const name = `t${process.pid}_${++databaseCounter}`;
      await sql("postgres", `CREATE DATABASE ${name}`);
      return url(name);
    },
    halt,
    restart: launch,
    stop,
  };
}

/**
 * Creates an empty database with a unique name on the cluster that
 * `adminUrl` (a connection string to any of its databases, as a superuser)
 * points at, and returns adminUrl with that database instead: for test
 * processes that share one cluster started elsewhere (a vitest globalSetup).
 */
export async function createDatabaseOn(adminUrl: string): Promise<string> {
  const name = `t${process.pid}_${++databaseCounter}_${Math.floor(Math.random() * 1e6)}`;
  const client = new Client({ connectionString: adminUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
