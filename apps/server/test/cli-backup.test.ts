import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@pkgindex/server-process";
import { dumpText, expectOneLine, removeTempDirs, tempDir } from "./support/index-files.ts";
import { LineClient } from "./support/line-client.ts";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { runCli, startServer } from "./support/server-process.ts";

const ENTRY = pkgindexEntry().file;
afterAll(removeTempDirs);

/** A data directory holding only `backup` as its database: how a backup is restored. */
function restore(backup: string): string {
  const dir = tempDir("pkgindex-restored-");
  mkdirSync(dir, { recursive: true });
  copyFileSync(backup, path.join(dir, "pkgindex.db"));
  return dir;
}

describe.each([0, 2])("live backup, --workers %i", (workers) => {
  it("is taken while a client goes on writing; restored, it holds a prefix of the writes and matches a dump", async () => {
    const dataDir = tempDir("pkgindex-backup-");
    const server = await startServer(["--workers", String(workers), "--data-dir", dataDir], {}, { admin: true, entry: ENTRY });
    const setup = await LineClient.connect(server.port);
    const base = Array.from({ length: 200 }, (_, i) => `INDEX|base-${i}|${i > 0 ? `base-${i - 1}` : ""}`);
    expect(new Set(await setup.pipeline(base))).toEqual(new Set(["OK"]));
    setup.close();

    // A writer that waits for each reply: INDEX w-0, w-1, ... until told to stop.
    const writer = await LineClient.connect(server.port);
    let acked = 0;
    const control = { stop: false };
    const writing = (async () => {
      while (!control.stop) {
        expect(await writer.send(`INDEX|w-${acked}|base-0`)).toBe("OK");
        acked++;
      }
    })();
    await writer.waitForReplies(20);

    const file = path.join(tempDir("pkgindex-backup-out-"), "backup.db");
    const ackedBefore = acked;
    const run = await runCli(["backup", file, "--admin-host", "127.0.0.1", "--admin-port", String(server.adminPort)], {}, ENTRY);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const ackedAfter = acked;
    // Serving went on: the writer is answered after the backup too.
    await writer.waitForReplies(ackedAfter + 20);
    control.stop = true;
    await writing;
    writer.close();
    expect(await server.stop()).toBe(0);
    // The copy was streamed and removed: nothing but the database is left in the data directory.
    expect(readdirSync(dataDir).filter((f) => f.startsWith(".backup"))).toEqual([]);

    const restored = await dumpText(restore(file));
    const lines = restored.trimEnd().split("\n");
    expect(lines.filter((l) => l.startsWith("base-"))).toHaveLength(200);
    const written = lines.filter((l) => l.startsWith("w-")).map((l) => Number(l.slice(2, l.indexOf(":"))));
    // Every write acknowledged before the backup was asked for is in it, and the writes in it are a prefix (w-0 .. w-k).
    expect(written.length).toBeGreaterThanOrEqual(ackedBefore);
    expect(written.length).toBeLessThanOrEqual(ackedAfter + 1);
    expect(written.toSorted((a, b) => a - b)).toEqual(Array.from({ length: written.length }, (_, i) => i));

    // The restored backup is the dump of the live index at that point: the final dump minus the later writes.
    const later = new Set(Array.from({ length: acked - written.length }, (_, i) => `w-${written.length + i}: base-0`));
    const final = (await dumpText(dataDir)).trimEnd().split("\n");
    expect(lines).toEqual(final.filter((l) => !later.has(l)));
  });
});

describe("backup refusals", () => {
  it("a --store memory server has nothing to back up: one line, exit 1, and the server serves on", async () => {
    const server = await startServer(["--workers", "0", "--store", "memory"], {}, { admin: true, entry: ENTRY });
    // The store in effect: PKGINDEX_TEST_STORE=postgres runs it on PostgreSQL,
    // whose refusal points at PostgreSQL's own tools instead.
    const { store } = (await server.waitForLog((l) => l.msg === "listening")) as { store: string };
    const file = path.join(tempDir("pkgindex-backup-out-"), "backup.db");
    const run = await runCli(["backup", file, "--admin-host", "127.0.0.1", "--admin-port", String(server.adminPort)], {}, ENTRY);
    expect(run.code).toBe(1);
    expectOneLine(run.stderr, "409", "PKGI_BACKUP_UNAVAILABLE", `--store ${store}`, store === "memory" ? "keeps nothing on disk" : "pg_dump");
    expect(readdirSync(path.dirname(file))).toEqual([]);
    const c = await LineClient.connect(server.port);
    expect(await c.send("INDEX|still-up|")).toBe("OK");
    c.close();
    expect(await server.stop()).toBe(0);
  });

  it("GET /backup is refused (405): only a POST takes a backup", async () => {
    const server = await startServer(["--workers", "0", "--data-dir", tempDir("pkgindex-backup-")], {}, { admin: true, entry: ENTRY });
    const res = await fetch(`http://127.0.0.1:${server.adminPort}/backup`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(await server.stop()).toBe(0);
  });

  it("no server listening: one line naming the address, exit 1", async () => {
    const port = await freePort();
    const run = await runCli(["backup", "-", "--admin-host", "127.0.0.1", "--admin-port", String(port)], {}, ENTRY);
    expect(run.code).toBe(1);
    expectOneLine(run.stderr, `cannot reach http://127.0.0.1:${port}/backup`, "ECONNREFUSED");
    expect(run.stdout).toBe("");
  });
});
