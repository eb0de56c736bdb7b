import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { dumpIndex, removeTempDirs, tempDir } from "./support/index-files.ts";
import { LineClient } from "./support/line-client.ts";
import { adminGet, startServer as startServerProcess, type ServerProcess } from "./support/server-process.ts";
import { mountTinyTmpfs, unmount } from "./support/tmpfs.ts";

// Issue 18 part 2: a full disk makes the server read-only instead of ending
// it. The data directory is a small tmpfs; once the server has written its
// first batches, the test fills the rest of the file system with a file, so
// the next commit fails with ENOSPC (SQLITE_FULL) at a point the test
// controls, and deleting the file gives the space back.

afterAll(removeTempDirs);

const started: ServerProcess[] = [];
const mounts: string[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
    await s.exited;
  }
  for (const m of mounts.splice(0)) unmount(m);
});

async function startServer(workers: number, dataDir: string): Promise<ServerProcess> {
  const server = await startServerProcess(["--workers", String(workers), "--store", "sqlite", "--data-dir", dataDir, "--sync", "full"], {}, { admin: true });
  started.push(server);
  return server;
}

/** Writes `file` until the file system has no page left (ENOSPC). */
function fillFileSystem(file: string): void {
  const fd = openSync(file, "w");
  try {
    for (const size of [64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x55);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

function metric(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

const isFullLine = (l: Record<string, unknown>) => l.level === 50 && String(l.msg).startsWith("store full");
const isWritableLine = (l: Record<string, unknown>) => l.msg === "store writable again";

describe.each([0, 3])("a full disk, --workers %i", (workers) => {
  it("turns the server read-only (ERROR for the refused batch and for writes, reads served), recovers by itself when space is back, and a restart has exactly what was acknowledged", async () => {
    const root = tempDir("pkgindex-full-disk-");
    const mnt = path.join(root, "tmpfs");
    mkdirSync(mnt);
    mountTinyTmpfs(mnt, 1024);
    mounts.push(mnt);
    const filler = path.join(mnt, "filler");
    const server = await startServer(workers, mnt);
    /** name -> what the index must hold after the restart (true: indexed). */
    const expected = new Map<string, boolean>();

    const seed = await LineClient.connect(server.port);
    const bases = Array.from({ length: 12 }, (_, i) => `base-${i}`);
    expect(await seed.pipeline(bases.map((b) => `INDEX|${b}|`))).toEqual(bases.map(() => "OK"));
    for (const b of bases) expected.set(b, true);

    fillFileSystem(filler);

    // Three writers at once, pipelined: the first commit after the disk
    // filled covers commands of several connections, some built on others
    // of the same batch (w-k-b depends on w-k-a), and removals of packages
    // committed before.
    const writers = await Promise.all([0, 1, 2].map(() => LineClient.connect(server.port)));
    const rounds = await Promise.all(
      writers.map((w, k) => w.pipeline([`INDEX|w-${k}-a|base-0`, `INDEX|w-${k}-b|w-${k}-a`, `REMOVE|base-${k + 1}|`, `QUERY|w-${k}-a|`, "QUERY|base-0|"])),
    );
    for (const [k, replies] of rounds.entries()) {
      // Nothing of it could be committed: every write is ERROR, whether it
      // was in the refused batch or came after the server turned read-only.
      expect(replies.slice(0, 3)).toEqual(["ERROR", "ERROR", "ERROR"]);
      // A QUERY in the refused batch is ERROR (it may have seen what was
      // undone); one applied later is answered from the restored state.
      expect(["ERROR", "FAIL"]).toContain(replies[3]);
      expect(["ERROR", "OK"]).toContain(replies[4]);
      expected.set(`w-${k}-a`, false);
      expected.set(`w-${k}-b`, false);
    }

    await server.waitForLog(isFullLine);
    // Read-only: writes refused at once, reads served, on a writer's
    // connection and on a fresh one (in worker mode, from the read view).
    const reader = await LineClient.connect(server.port);
    for (const c of [writers[0], reader]) {
      expect(await c.pipeline(["QUERY|base-0|", "QUERY|base-1|", "QUERY|w-0-a|", "QUERY|w-1-b|", "INDEX|ro|", "REMOVE|base-11|", "INDEX|base-0|"])).toEqual([
        "OK", "OK", "FAIL", "FAIL", "ERROR", "ERROR", "ERROR",
      ]);
    }
    expected.set("ro", false);
    const readOnlyMetrics = (await adminGet(server.adminPort, "/metrics")).body;
    expect(metric(readOnlyMetrics, "pkgindex_store_writable")).toBe(0);
    expect(metric(readOnlyMetrics, "pkgindex_store_full_commits_total")).toBe(1);
    const ready = await adminGet(server.adminPort, "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toMatch(/^\[!\]store-writable degraded: read-only, INDEX and REMOVE answered ERROR: commit to .*pkgindex\.db failed, the disk or quota is full.*SQLITE_FULL/m);
    expect(ready.body).toContain("readyz check passed");
    const full = server.logs.filter(isFullLine);
    expect(full).toHaveLength(1);
    expect(full[0]).toMatchObject({ code: "PKGI_DB_FULL", role: workers === 0 ? "supervisor" : "state-owner" });
    expect(server.logs.filter((l) => Number(l.level) >= 60)).toEqual([]);
    expect(server.child.exitCode).toBeNull();

    // Space is back: a probe commit succeeds within the backoff and the
    // server is writable again by itself.
    rmSync(filler);
    await server.waitForLog(isWritableLine);
    expect(await reader.pipeline(["INDEX|after|base-0", "INDEX|w-0-a|base-0", "REMOVE|base-11|", "QUERY|w-0-a|"])).toEqual(["OK", "OK", "OK", "OK"]);
    expected.set("after", true);
    expected.set("w-0-a", true);
    expected.set("base-11", false);
    expect(metric((await adminGet(server.adminPort, "/metrics")).body, "pkgindex_store_writable")).toBe(1);
    expect(await adminGet(server.adminPort, "/readyz")).toEqual({ status: 200, body: "ok\n" });
    expect(server.logs.filter(isWritableLine)).toHaveLength(1);
    expect(server.logs.filter((l) => Number(l.level) >= 50)).toHaveLength(1);

    // SIGKILL: what was acknowledged OK is there, nothing answered ERROR is.
    server.child.kill("SIGKILL");
    await server.exited;
    const again = await startServer(workers, mnt);
    const names = [...expected.keys()];
    const check = await LineClient.connect(again.port);
    expect(await check.pipeline(names.map((n) => `QUERY|${n}|`))).toEqual(names.map((n) => (expected.get(n) ? "OK" : "FAIL")));
    check.close();
    expect(await again.stop()).toBe(0);
    const stored = await dumpIndex(mnt);
    expect([...stored.keys()].toSorted()).toEqual(names.filter((n) => expected.get(n)).toSorted());
    expect(stored.get("w-0-a")).toEqual(["base-0"]);
    for (const c of [seed, reader, ...writers]) c.close();
  });
});
