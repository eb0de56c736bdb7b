import { mkdtempSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DependencyGraph } from "@pkgindex/graph";
import { openStore, type Store } from "@pkgindex/store";
import { IndexEngine } from "../src/index-engine.ts";

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pkgindex-engine-backup-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function batch(...lines: string[]): Uint8Array {
  return new Uint8Array(Buffer.from(lines.map((l) => `${l}\n`).join(""), "latin1"));
}

/** The packages stored in a backup file, opened as the database of a data directory of its own. */
function packagesIn(file: string): string[] {
  const dir = tempDir();
  renameSync(file, path.join(dir, "pkgindex.db"));
  const store: Store = openStore({ kind: "sqlite", dataDir: dir, sync: "full" });
  const names: string[] = [];
  store.load((name) => names.push(name));
  store.close();
  return names.toSorted();
}

describe("IndexEngine.backup", () => {
  it("with nothing uncommitted: copies at once", async () => {
    const engine = new IndexEngine(new DependencyGraph(), openStore({ kind: "sqlite", dataDir: tempDir(), sync: "full" }));
    engine.applyBatch(batch("INDEX|a|"));
    await new Promise<void>((resolve) => engine.hold(() => resolve()));
    expect(engine.mustHold).toBe(false);
    const file = path.join(tempDir(), "b.db");
    await engine.backup(file);
    await engine.stop();
    expect(packagesIn(file)).toEqual(["a"]);
  });

  it("with a batch applied and not yet committed: waits for the commit that covers it, then copies (replies held earlier go out first)", async () => {
    const engine = new IndexEngine(new DependencyGraph(), openStore({ kind: "sqlite", dataDir: tempDir(), sync: "full" }));
    engine.applyBatch(batch("INDEX|a|", "INDEX|b|a"));
    expect(engine.mustHold).toBe(true);
    const file = path.join(tempDir(), "b.db");
    const copied = engine.backup(file);
    const order: string[] = [];
    engine.hold(() => order.push("reply of a, b"));
    await copied;
    order.push("backup");
    // Applied after the backup was asked for: not in it.
    engine.applyBatch(batch("INDEX|c|"));
    await engine.stop();
    expect(order).toEqual(["reply of a, b", "backup"]);
    expect(packagesIn(file)).toEqual(["a", "b"]);
  });

  it("a memory store has nothing to back up", async () => {
    const engine = new IndexEngine(new DependencyGraph(), openStore({ kind: "memory", dataDir: "", sync: "full" }));
    await expect(engine.backup(path.join(tempDir(), "b.db"))).rejects.toMatchObject({ code: "PKGI_BACKUP_UNAVAILABLE" });
  });
});
