import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { dumpIndex, removeTempDirs, tempDir } from "./support/index-files.ts";
import { LineClient } from "./support/line-client.ts";
import { startServer as startServerProcess, type ServerProcess } from "./support/server-process.ts";

// Issue 18: only a full disk (SQLITE_FULL) makes the server read-only
// (full-disk.test.ts). Any other storage error, here an I/O error, still
// ends the process without acknowledging the failed batch: after a failed
// write-back a retry can lie about what is on the disk.

afterAll(removeTempDirs);

const started: ServerProcess[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
    await s.exited;
  }
});

async function startServer(workers: number, dataDir: string): Promise<ServerProcess> {
  const server = await startServerProcess(["--workers", String(workers), "--store", "sqlite", "--data-dir", dataDir, "--sync", "full"]);
  started.push(server);
  return server;
}

describe.each([0, 3])("an I/O error from the store, --workers %i", (workers) => {
  it("still ends the process with one fatal line, acknowledging nothing of the failed batch; the database has exactly what was acknowledged", async () => {
    const dir = tempDir("pkgindex-io-error-");
    const server = await startServer(workers, dir);
    const c = await LineClient.connect(server.port);
    const acked: string[] = [];
    for (let i = 0; i < 5; i++) {
      expect(await c.send(`INDEX|p${i}|`)).toBe("OK");
      acked.push(`p${i}`);
    }
    // A file size limit on the running server at the WAL's current size:
    // the next commit's WAL write fails with EFBIG (Node ignores SIGXFSZ),
    // which SQLite reports as SQLITE_IOERR_WRITE, not SQLITE_FULL.
    const wal = statSync(path.join(dir, "pkgindex.db-wal")).size;
    execFileSync("prlimit", [`--pid=${server.child.pid}`, `--fsize=${wal}`]);
    // One command at a time: the one without a reply is the failed batch.
    let unacked = "";
    const replies: string[] = [];
    for (let i = 5; i < 1000 && unacked === ""; i++) {
      const reply = await c.send(`INDEX|p${i}|`).catch(() => undefined);
      if (reply === undefined) unacked = `p${i}`;
      else {
        replies.push(reply);
        acked.push(`p${i}`);
      }
    }
    expect(replies.filter((r) => r !== "OK")).toEqual([]);
    expect(unacked).not.toBe("");
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toBe("");
    const fatal = server.logs.filter((l) => l.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ code: "PKGI_DB_COMMIT_FAILED" });
    expect(JSON.stringify(fatal[0])).toMatch(/commit to .*pkgindex\.db failed: .*SQLITE_IOERR/);
    expect(server.logs.filter((l) => String(l.msg).startsWith("store full"))).toEqual([]);
    c.close();
    // What a restart would load (the full-disk test above restarts a server).
    expect([...(await dumpIndex(dir)).keys()].toSorted()).toEqual(acked.toSorted());
  });
});
