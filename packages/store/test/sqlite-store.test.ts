import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { openStore, type SqliteStore } from "../src/index.ts";
import { contents, failedWith, fileTimes, fixturesDir, open, refusal, tempDir } from "./helpers.ts";

describe("sqlite store: durability across restarts", () => {
  it("keeps committed packages and dependency lists after close and reopen", () => {
    const dir = tempDir();
    const store = open(dir);
    store.putPackage("zlib", [], 0);
    store.putPackage("openssl", ["zlib"], 1);
    store.putPackage("curl", ["openssl", "zlib"], 2);
    store.commit();
    store.close();
    expect(existsSync(join(dir, "pkgindex.db"))).toBe(true);

    const again = open(dir);
    expect(contents(again)).toEqual(
      new Map([
        ["zlib", []],
        ["openssl", ["zlib"]],
        ["curl", ["openssl", "zlib"]],
      ]),
    );
  });

  it("applies replacements and removals, and reports counts", () => {
    const dir = tempDir();
    const store = open(dir);
    for (const name of ["a", "b", "c", "d"]) store.putPackage(name, [], 0);
    store.putPackage("app", ["a", "b", "c"], 3);
    store.commit();
    store.putPackage("app", ["c", "d"], 2); // replaces: a and b go, d comes, c stays
    store.deletePackage("a");
    store.deletePackage("not-there"); // removing what is not stored is fine
    store.commit();
    store.close();

    const again = open(dir);
    const seen = new Map<string, string[]>();
    const stats = again.load((name, deps) => seen.set(name, deps.toSorted()));
    expect(seen).toEqual(
      new Map([
        ["b", []],
        ["c", []],
        ["d", []],
        ["app", ["c", "d"]],
      ]),
    );
    expect(stats.packages).toBe(4);
    expect(stats.edges).toBe(2);
    expect(stats.unordered).toBe(0);
    expect(stats.millis).toBeGreaterThanOrEqual(0);
  });

  it("copies what putPackage needs: the caller may reuse the array, and only depCount entries count", () => {
    const dir = tempDir();
    const store = open(dir);
    const scratch = ["x", "y", "z"];
    store.putPackage("x", scratch, 0);
    store.putPackage("y", scratch, 1);
    scratch[0] = "y";
    scratch[1] = "x";
    store.putPackage("z", scratch, 2);
    scratch[0] = "garbage";
    scratch[1] = "garbage";
    store.commit();
    expect(contents(store)).toEqual(
      new Map([
        ["x", []],
        ["y", ["x"]],
        ["z", ["x", "y"]],
      ]),
    );
  });

  it("survives SIGKILL: committed batches are there, the uncommitted one is not", () => {
    const dir = tempDir();
    const child = spawnSync(process.execPath, [join(fixturesDir, "crash-after-commit.ts"), dir], { encoding: "utf8" });
    expect(child.stderr).toBe(""); // no warning either (node:sqlite is not experimental on Node 24.15+)
    expect(child.signal).toBe("SIGKILL");
    expect(child.stdout.trim()).toBe("2");
    expect(contents(open(dir))).toEqual(
      new Map([
        ["base", []],
        ["lib", ["base"]],
        ["app", ["base", "lib"]],
      ]),
    );
  });

  it("never commits an unacknowledged batch on close", () => {
    const dir = tempDir();
    const store = open(dir);
    store.putPackage("kept", [], 0);
    store.commit();
    store.putPackage("dropped", [], 0);
    store.deletePackage("kept");
    store.close();
    expect(contents(open(dir))).toEqual(new Map([["kept", []]]));
  });
});

describe("sqlite store: load order", () => {
  it("yields every package after its dependencies, even when a re-index points an old package at a newer one", () => {
    const store = open(tempDir());
    store.putPackage("old", [], 0); // gets the lowest id
    store.putPackage("mid", ["old"], 1);
    store.commit();
    store.putPackage("new", [], 0);
    store.putPackage("newer", ["new"], 1);
    store.putPackage("old", ["newer", "new"], 2); // old now depends on packages stored after it
    store.commit();

    const order: string[] = [];
    const stats = store.load((name, deps) => {
      for (const dep of deps) expect(order).toContain(dep);
      order.push(name);
    });
    expect(order).toHaveLength(4);
    expect(stats.unordered).toBe(0);
    expect(order.indexOf("old")).toBeGreaterThan(order.indexOf("newer"));
    expect(order.indexOf("mid")).toBeGreaterThan(order.indexOf("old"));
  });

  it("still yields every package once when the stored graph has a cycle, and counts those out of order", () => {
    const store = open(tempDir());
    store.putPackage("root", [], 0);
    store.putPackage("a", ["root"], 1);
    store.putPackage("b", ["a"], 1);
    store.commit();
    store.putPackage("a", ["root", "b"], 2); // a <-> b: only a cycles-allowed server writes this
    store.putPackage("leaf", ["b"], 1);
    store.commit();

    const order: string[] = [];
    const stats = store.load((name) => order.push(name));
    expect(order[0]).toBe("root");
    expect(order.toSorted()).toEqual(["a", "b", "leaf", "root"]);
    expect(stats.unordered).toBe(3); // a, b and leaf (behind the cycle)
  });

  it("passes a fresh deps array to each call", () => {
    const store = open(tempDir());
    store.putPackage("a", [], 0);
    store.putPackage("b", ["a"], 1);
    store.putPackage("c", ["a", "b"], 2);
    store.commit();
    const kept: (readonly string[])[] = [];
    store.load((_name, deps) => kept.push(deps));
    expect(kept.map((d) => d.toSorted())).toEqual([[], ["a"], ["a", "b"]]);
  });
});

describe("sqlite store: group commit", () => {
  it("commits a whole batch as one transaction", () => {
    const dir = tempDir();
    const store = open(dir);
    expect(store.commits).toBe(0);
    store.putPackage("p0", [], 0);
    for (let i = 1; i < 500; i++) store.putPackage(`p${i}`, [`p${i - 1}`], 1);
    for (let i = 0; i < 50; i++) store.putPackage(`p${i}`, [], 0);
    store.deletePackage("p499");
    store.commit();
    expect(store.commits).toBe(1);
    store.putPackage("one-more", ["p0"], 1);
    store.commit();
    expect(store.commits).toBe(2);
    store.close();
    expect(contents(open(dir)).size).toBe(500);
  });

  it("writes nothing and counts nothing when nothing was recorded", () => {
    const dir = tempDir();
    const store = open(dir);
    store.putPackage("a", [], 0);
    store.commit();
    const before = fileTimes(dir);
    store.commit();
    store.commit();
    expect(store.commits).toBe(1);
    expect(fileTimes(dir)).toEqual(before);
  });

  it("writes nothing for a re-index with the same dependency set, in any order or with repeats", () => {
    const dir = tempDir();
    const store = open(dir);
    store.putPackage("a", [], 0);
    store.putPackage("b", [], 0);
    store.putPackage("c", ["a", "b"], 2);
    store.commit();
    const before = fileTimes(dir);
    store.putPackage("c", ["b", "a"], 2);
    store.putPackage("c", ["a", "b", "a"], 3);
    store.putPackage("a", [], 0);
    store.commit();
    expect(store.commits).toBe(1);
    expect(fileTimes(dir)).toEqual(before);

    store.putPackage("c", ["a"], 1); // a real change does write
    store.commit();
    expect(store.commits).toBe(2);
    expect(fileTimes(dir)).not.toEqual(before);
  });
});

describe("sqlite store: failed commits", () => {
  it("fails the commit when a statement of the batch fails (injected with a RAISE trigger), and keeps nothing of that batch", () => {
    const dir = tempDir();
    const store = open(dir);
    store.putPackage("good", [], 0);
    store.putPackage("poison", [], 0);
    store.commit();
    store.close();
    // A trigger added behind the store's back makes one edge insert fail.
    const raw = new DatabaseSync(join(dir, "pkgindex.db"));
    raw.exec(`CREATE TRIGGER inject_failure BEFORE INSERT ON edges
              WHEN NEW.dep = (SELECT id FROM packages WHERE name = 'poison')
              BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    raw.close();

    const broken = open(dir);
    broken.putPackage("fine", ["good"], 1);
    broken.putPackage("bad", ["poison"], 1);
    broken.putPackage("after", ["good"], 1);
    const err = refusal(() => broken.commit());
    expect(err).toMatchObject(failedWith("PKGI_DB_COMMIT_FAILED"));
    expect(err.message).toContain("injected failure");
    expect(err.message).toContain("pkgindex.db");
    expect(broken.commits).toBe(0);
    // The store stays failed: later batches are refused too, never half-applied.
    broken.putPackage("later", [], 0);
    expect(refusal(() => broken.commit())).toMatchObject(failedWith("PKGI_DB_COMMIT_FAILED"));
    broken.close();

    expect(contents(open(dir))).toEqual(
      new Map([
        ["good", []],
        ["poison", []],
      ]),
    );
  });

  it("fails the commit when a dependency is not stored (a caller bug), instead of storing a dangling edge", () => {
    const dir = tempDir();
    const store = open(dir);
    store.putPackage("a", [], 0);
    store.putPackage("b", ["ghost"], 1);
    const err = refusal(() => store.commit());
    expect(err).toMatchObject(failedWith("PKGI_DB_COMMIT_FAILED"));
    expect(err.message).toContain("ghost");
    store.close();
    expect(contents(open(dir)).size).toBe(0);
  });

  it("fails the commit for good when writing the WAL fails with an I/O error (past a file size limit), and keeps every earlier commit", () => {
    const dir = tempDir();
    // ulimit -f is in KiB for bash; Node ignores SIGXFSZ, so writes past the
    // limit fail with EFBIG and SQLite reports an I/O error at COMMIT
    // (SQLITE_IOERR_WRITE, not SQLITE_FULL: only ENOSPC is a full disk), which
    // is never retried.
    const child = spawnSync(
      "bash",
      ["-c", 'ulimit -f 1024 && exec "$0" "$@"', process.execPath, join(fixturesDir, "fill-disk.ts"), dir],
      { encoding: "utf8" },
    );
    expect(child.stderr).toBe("");
    expect(child.status).toBe(1);
    const report = JSON.parse(child.stdout) as {
      committed: number;
      failedBatch: number;
      code: string;
      message: string;
      commits: number;
      again: string;
    };
    expect(report.code).toBe("PKGI_DB_COMMIT_FAILED");
    expect(report.message).toMatch(/I\/O error.*SQLITE_IOERR/);
    expect(report.committed).toBeGreaterThan(0);
    expect(report.commits).toBe(report.committed);
    expect(report.again).toBe("PKGI_DB_COMMIT_FAILED");

    const names = [...contents(open(dir)).keys()];
    expect(names).toHaveLength(report.committed * 100);
    expect(names.some((n) => n.startsWith(`b${report.failedBatch}-`))).toBe(false);
  });
});

describe("sqlite store: rollback and probe", () => {
  it("rollback() drops the batch, and a rolled-back insert's id is not taken for the package that gets it next", () => {
    const dir = tempDir();
    const store = open(dir);
    store.putPackage("a", [], 0);
    store.commit();
    store.putPackage("x", ["a"], 1); // inserted in the batch, then dropped
    store.rollback();
    store.putPackage("y", [], 0); // SQLite hands out x's rowid again
    store.commit();
    store.putPackage("x", [], 0); // must insert x, not mistake y's row for it
    store.commit();
    store.close();
    expect(contents(open(dir))).toEqual(
      new Map([
        ["a", []],
        ["x", []],
        ["y", []],
      ]),
    );
  });

  it("probe() commits a write that changes nothing, and fails on a store that refuses writes", () => {
    const dir = tempDir();
    const store = open(dir);
    store.putPackage("a", [], 0);
    store.putPackage("b", ["a"], 1);
    store.commit();
    const before = fileTimes(dir);
    store.probe();
    expect(fileTimes(dir)).not.toEqual(before); // it did write
    store.close();
    const again = open(dir);
    expect(contents(again)).toEqual(
      new Map([
        ["a", []],
        ["b", ["a"]],
      ]),
    );
    again.close();
    const readOnly = open(dir, { readOnly: true });
    expect(refusal(() => readOnly.probe())).toMatchObject(failedWith("PKGI_DB_COMMIT_FAILED"));
  });
});

describe("sqlite store: lifecycle", () => {
  it("refuses use after close, and close is idempotent", () => {
    const store = openStore({ kind: "sqlite", dataDir: tempDir(), sync: "normal" });
    store.close();
    store.close();
    expect(() => store.putPackage("a", [], 0)).toThrow(/after close/);
    expect(() => store.commit()).toThrow(/after close/);
  });

  it("refuses load() in the middle of a batch", () => {
    const store = open(tempDir());
    store.putPackage("a", [], 0);
    expect(() => store.load(() => {})).toThrow(/uncommitted batch/);
  });

  it.each(["full", "normal", "off"] as const)("maps --sync %s to PRAGMA synchronous and keeps data", (sync) => {
    const dir = tempDir();
    const store = open(dir, { sync }) as SqliteStore;
    expect(store.settings()).toEqual({
      path: join(dir, "pkgindex.db"),
      journalMode: "wal",
      lockingMode: "exclusive",
      synchronous: sync,
      schemaVersion: 1,
    });
    store.putPackage("a", [], 0);
    store.commit();
    store.close();
    expect(contents(open(dir, { sync }))).toEqual(new Map([["a", []]]));
  });

  it("runs in WAL mode with exclusive locking (no -shm file)", () => {
    const dir = tempDir();
    const store = open(dir);
    store.putPackage("a", [], 0);
    store.commit();
    expect(existsSync(join(dir, "pkgindex.db-wal"))).toBe(true);
    expect(existsSync(join(dir, "pkgindex.db-shm"))).toBe(false);
  });
});
