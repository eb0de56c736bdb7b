import { mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../src/index.ts";
import { contents, failedWith, open, refusal, tempDir } from "./helpers.ts";

/** Opens `file` as the database of a data directory of its own. */
function openCopy(file: string) {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  renameSync(file, join(dir, "pkgindex.db"));
  return open(dir);
}

describe("sqlite store: backupTo (VACUUM INTO on the open connection)", () => {
  it("copies everything committed while the store stays open and writable", () => {
    const store = open(tempDir());
    store.putPackage("zlib", [], 0);
    store.putPackage("openssl", ["zlib"], 1);
    store.commit();
    const file = join(tempDir(), "copy.db");
    store.backupTo!(file);
    store.putPackage("curl", ["openssl"], 1);
    store.commit();
    expect(contents(openCopy(file))).toEqual(new Map([["zlib", []], ["openssl", ["zlib"]]]));
    expect(contents(store).get("curl")).toEqual(["openssl"]);
  });

  it("commits a batch still open first (VACUUM cannot run in a transaction), so the copy has it", () => {
    const store = open(tempDir());
    store.putPackage("zlib", [], 0);
    const commitsBefore = store.commits;
    const file = join(tempDir(), "copy.db");
    store.backupTo!(file);
    expect(store.commits).toBe(commitsBefore + 1);
    store.commit(); // the engine's own commit then finds nothing left
    expect(store.commits).toBe(commitsBefore + 1);
    expect(contents(openCopy(file))).toEqual(new Map([["zlib", []]]));
  });

  it("refuses a target that exists with PKGI_BACKUP_FAILED, and the store goes on", () => {
    const store = open(tempDir());
    store.putPackage("zlib", [], 0);
    store.commit();
    const file = join(tempDir(), "copy.db");
    store.backupTo!(file);
    expect(refusal(() => store.backupTo!(file))).toMatchObject(failedWith("PKGI_BACKUP_FAILED", /^backup to .*copy\.db failed: /));
    store.putPackage("openssl", ["zlib"], 1);
    store.commit();
    expect(contents(store).get("openssl")).toEqual(["zlib"]);
  });

  it("the memory store offers no backup (nothing is on disk)", () => {
    expect(openStore({ kind: "memory", dataDir: tempDir(), sync: "full" }).backupTo).toBeUndefined();
  });
});
