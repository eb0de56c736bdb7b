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

  it("refuses while a batch is open (the engine takes it between commits) and leaves the batch to its own commit", () => {
    const store = open(tempDir());
    store.putPackage("zlib", [], 0);
    const file = join(tempDir(), "copy.db");
    expect(() => store.backupTo!(file)).toThrow("uncommitted batch");
    expect(store.commits).toBe(0);
    store.commit();
    expect(store.commits).toBe(1);
    store.backupTo!(file);
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
