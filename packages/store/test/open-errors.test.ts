import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { openStore, SCHEMA_VERSION } from "../src/index.ts";
import { contents, failedWith, open, refusal, snapshot, tempDir, type Refusal } from "./helpers.ts";

/** A data directory holding a valid pkgindex database with a few packages. */
function populated(): string {
  const dir = tempDir();
  const store = open(dir);
  store.putPackage("a", [], 0);
  store.putPackage("b", ["a"], 1);
  store.commit();
  store.close();
  return dir;
}

/** Opens with the raw driver (outside the store) to set something up. */
function raw(dir: string, sql: string): void {
  const db = new DatabaseSync(join(dir, "pkgindex.db"));
  db.exec(sql);
  db.close();
}

/** Opens dir expecting a refusal; reports it, and whether the data directory stayed byte-identical. */
function openRefused(dir: string): Refusal & { untouched: boolean; namesFile: boolean } {
  const before = snapshot(dir);
  const result = refusal(() => openStore({ kind: "sqlite", dataDir: dir, sync: "full" }));
  return {
    ...result,
    untouched: JSON.stringify(snapshot(dir)) === JSON.stringify(before),
    namesFile: result.message.includes(join(dir, "pkgindex.db")),
  };
}

/** A refusal with this code and message, naming the database file, that left every file as it was. */
function refusedUntouched(code: "PKGI_DB_CORRUPT" | "PKGI_DB_NEWER_SCHEMA", message: RegExp): object {
  return { ...failedWith(code, message), untouched: true, namesFile: true };
}

describe("openStore: unusable data directory", () => {
  it("creates a missing data directory, parents included", () => {
    const dir = join(tempDir(), "deep", "er", "data");
    open(dir).close();
    expect(existsSync(join(dir, "pkgindex.db"))).toBe(true);
  });

  it("refuses a data directory below a regular file (ENOTDIR), leaving the file alone", () => {
    const base = tempDir();
    writeFileSync(join(base, "file"), "not a directory\n");
    const err = refusal(() => openStore({ kind: "sqlite", dataDir: join(base, "file", "sub"), sync: "full" }));
    expect(err).toMatchObject(failedWith("PKGI_DATA_DIR_UNUSABLE"));
    expect(err.message).toContain(join(base, "file", "sub"));
    expect(err.message).toContain("ENOTDIR");
    expect(readFileSync(join(base, "file"), "utf8")).toBe("not a directory\n");
  });

  it("refuses a data directory that is a regular file", () => {
    const base = tempDir();
    writeFileSync(join(base, "data"), "x");
    const err = refusal(() => openStore({ kind: "sqlite", dataDir: join(base, "data"), sync: "full" }));
    expect(err).toMatchObject(failedWith("PKGI_DATA_DIR_UNUSABLE"));
    expect(err.message).toMatch(/not a directory/);
  });

  // Node's own recursive mkdir spins forever on this one (see data-dir.ts).
  it("refuses a data directory that cannot be created (under /proc)", () => {
    expect(refusal(() => openStore({ kind: "sqlite", dataDir: `/proc/pkgindex-test-${process.pid}/data`, sync: "full" }))).toMatchObject(failedWith("PKGI_DATA_DIR_UNUSABLE"));
  });

  it("refuses a data directory below a dangling symlink, without spinning", () => {
    const base = tempDir();
    symlinkSync(join(base, "gone"), join(base, "link"));
    expect(refusal(() => openStore({ kind: "sqlite", dataDir: join(base, "link", "data"), sync: "full" }))).toMatchObject(failedWith("PKGI_DATA_DIR_UNUSABLE"));
    expect(refusal(() => openStore({ kind: "sqlite", dataDir: join(base, "link"), sync: "full" }))).toMatchObject(failedWith("PKGI_DATA_DIR_UNUSABLE"));
  });

  it("read-only use (dump) refuses a data directory without a database, and creates nothing", () => {
    const base = tempDir();
    expect(refusal(() => openStore({ kind: "sqlite", dataDir: join(base, "missing"), sync: "full", readOnly: true }))).toMatchObject(failedWith("PKGI_DATA_DIR_UNUSABLE"));
    expect(existsSync(join(base, "missing"))).toBe(false);
    const empty = tempDir();
    expect(refusal(() => openStore({ kind: "sqlite", dataDir: empty, sync: "full", readOnly: true }))).toMatchObject(failedWith("PKGI_DATA_DIR_UNUSABLE"));
    expect(snapshot(empty)).toEqual([]);
  });
});

describe("openStore: corrupt or foreign database files are refused untouched", () => {
  it("a file of random bytes", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pkgindex.db"), randomBytes(64 * 1024));
    expect(openRefused(dir)).toMatchObject(refusedUntouched("PKGI_DB_CORRUPT", /not a SQLite database/));
  });

  it("a text file", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pkgindex.db"), "a: b c\nb:\nc:\n".repeat(100));
    expect(openRefused(dir)).toMatchObject(refusedUntouched("PKGI_DB_CORRUPT", /not a SQLite database/));
  });

  it("a file shorter than a SQLite header", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pkgindex.db"), "SQLite format 3\0");
    expect(openRefused(dir)).toMatchObject(refusedUntouched("PKGI_DB_CORRUPT", /shorter than a SQLite header/));
  });

  it("a database truncated in the middle of a page", () => {
    const dir = populated();
    const bytes = readFileSync(join(dir, "pkgindex.db"));
    writeFileSync(join(dir, "pkgindex.db"), bytes.subarray(0, bytes.length - 100));
    expect(openRefused(dir)).toMatchObject(refusedUntouched("PKGI_DB_CORRUPT", /not a whole number of .*pages/));
  });

  it("a database whose pages after the header are garbage", () => {
    const dir = populated();
    const bytes = readFileSync(join(dir, "pkgindex.db"));
    randomBytes(bytes.length - 100).copy(bytes, 100);
    writeFileSync(join(dir, "pkgindex.db"), bytes);
    expect(openRefused(dir)).toMatchObject(refusedUntouched("PKGI_DB_CORRUPT", /pkgindex\.db/));
  });

  it("a database whose table pages are garbage: open (which reads the revision) or load() says corrupt, and the file is untouched", () => {
    const dir = tempDir();
    const store = open(dir);
    for (let i = 0; i < 2000; i++) store.putPackage(`package-${i}`, i === 0 ? [] : [`package-${i - 1}`], i === 0 ? 0 : 1);
    store.commit();
    store.close();
    const path = join(dir, "pkgindex.db");
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    // Keep page 1 (header and schema), smash every other page.
    randomBytes(bytes.length - pageSize).copy(bytes, pageSize);
    writeFileSync(path, bytes);
    const before = snapshot(dir);

    const err = refusal(() => {
      const damaged = open(dir);
      damaged.load(() => {});
    });
    expect(err).toMatchObject(failedWith("PKGI_DB_CORRUPT"));
    expect(err.message).toMatch(/reading it failed|does not exist|malformed/);
    expect(snapshot(dir)).toEqual(before);
  });

  it.each([
    ["a dependency that does not exist", "INSERT INTO edges VALUES ((SELECT id FROM packages WHERE name = 'b'), 999)", /package b depends on package id 999/],
    ["an edge of a package id below all others", "INSERT INTO edges VALUES (-5, 1)", /edge belongs to package id -5/],
    ["an edge of a package id between two others", "DELETE FROM packages WHERE name = 'b'; INSERT INTO packages (id, name) VALUES (100, 'z')", /edge belongs to package id 2,/],
    ["an edge of a package id above all others", "INSERT INTO edges VALUES (1000, 1)", /edge belongs to package id 1000/],
  ])("a database with %s: load() says corrupt, naming it", (_what, sql, message) => {
    const dir = populated();
    raw(dir, sql);
    const store = open(dir);
    expect(refusal(() => store.load(() => {}))).toMatchObject(failedWith("PKGI_DB_CORRUPT", message));
  });

  it("a SQLite database of another application (tables, no pkgindex application_id)", () => {
    const dir = tempDir();
    raw(dir, "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users(email) VALUES ('x@example.com');");
    expect(openRefused(dir)).toMatchObject(refusedUntouched("PKGI_DB_CORRUPT", /not a pkgindex database/));
  });

  it("a SQLite database with another application_id", () => {
    const dir = tempDir();
    raw(dir, "PRAGMA application_id = 1234; CREATE TABLE t(x);");
    expect(openRefused(dir)).toMatchObject(refusedUntouched("PKGI_DB_CORRUPT", /not a pkgindex database \(application_id 0x000004d2/));
  });

  it("a pkgindex database with a table missing", () => {
    const dir = populated();
    raw(dir, "DROP TABLE edges;");
    expect(openRefused(dir)).toMatchObject(refusedUntouched("PKGI_DB_CORRUPT", /table edges is missing/));
  });

  it("a directory where the database file should be", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "pkgindex.db"));
    expect(refusal(() => openStore({ kind: "sqlite", dataDir: dir, sync: "full" }))).toMatchObject(failedWith("PKGI_DB_CORRUPT"));
  });

  it("a left-over WAL without its database", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pkgindex.db-wal"), randomBytes(4096));
    expect(openRefused(dir)).toMatchObject(refusedUntouched("PKGI_DB_CORRUPT", /holds data/));
  });

  it("an empty file is a new database", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pkgindex.db"), "");
    const store = open(dir);
    store.putPackage("a", [], 0);
    store.commit();
    expect(contents(store).size).toBe(1);
  });
});

describe("openStore: newer schema", () => {
  it("refuses a database from a newer schema version, untouched", () => {
    const dir = populated();
    raw(dir, `PRAGMA user_version = ${SCHEMA_VERSION + 1};`);
    expect(openRefused(dir)).toMatchObject(
      refusedUntouched("PKGI_DB_NEWER_SCHEMA", new RegExp(`schema version ${SCHEMA_VERSION + 1}; this pkgindex understands up to ${SCHEMA_VERSION}`)),
    );
  });

  it("sees a newer version that is still only in the WAL of a crashed process, and leaves both files untouched", () => {
    const dir = populated();
    const script = `
      const { DatabaseSync } = require("node:sqlite");
      const db = new DatabaseSync(${JSON.stringify(join(dir, "pkgindex.db"))});
      db.exec("PRAGMA locking_mode = EXCLUSIVE");
      db.exec("PRAGMA user_version = 7");
      process.kill(process.pid, "SIGKILL");`;
    const child = spawnSync(process.execPath, ["-e", script]);
    expect(child.signal).toBe("SIGKILL");
    expect(readFileSync(join(dir, "pkgindex.db")).readInt32BE(60)).toBe(SCHEMA_VERSION); // main file still says the current version
    expect(existsSync(join(dir, "pkgindex.db-wal"))).toBe(true);
    expect(openRefused(dir)).toMatchObject(refusedUntouched("PKGI_DB_NEWER_SCHEMA", /schema version 7/));
  });
});

describe("openStore: one process per data directory", () => {
  it("refuses a second open while the first holds the database, and the first keeps working", () => {
    const dir = populated();
    const first = open(dir);
    const err = refusal(() => openStore({ kind: "sqlite", dataDir: dir, sync: "full" }));
    expect(err).toMatchObject(failedWith("PKGI_DB_LOCKED"));
    expect(err.message).toMatch(/already running/);
    first.putPackage("c", ["b"], 1);
    first.commit();
    expect(first.commits).toBe(1);
    first.close();
    expect(contents(open(dir)).get("c")).toEqual(["b"]);
  });

  it("refuses a second process too", () => {
    const dir = populated();
    const first = open(dir);
    const script = `
      import { openStore } from ${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)};
      try { openStore({ kind: "sqlite", dataDir: ${JSON.stringify(dir)}, sync: "full" }); console.log("opened"); }
      catch (err) { console.log(err.code); }`;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(child.stderr).toBe("");
    expect(child.stdout.trim()).toBe("PKGI_DB_LOCKED");
    first.close();
  });
});

describe("openStore: read-only (for dump)", () => {
  it("reads an existing database and refuses to write to it", () => {
    const dir = populated();
    const store = open(dir, { readOnly: true });
    expect(contents(store)).toEqual(
      new Map([
        ["a", []],
        ["b", ["a"]],
      ]),
    );
    store.putPackage("c", [], 0);
    expect(refusal(() => store.commit())).toMatchObject(failedWith("PKGI_DB_COMMIT_FAILED"));
  });
});

describe("openStore: memory", () => {
  it("keeps nothing and never touches the disk", () => {
    const store = openStore({ kind: "memory", dataDir: "/proc/nonexistent/never-used", sync: "full" });
    expect(store.kind).toBe("memory");
    store.putPackage("a", [], 0);
    store.deletePackage("a");
    store.commit();
    expect(store.commits).toBe(0);
    const seen: string[] = [];
    expect(store.load((name) => seen.push(name))).toEqual({ packages: 0, edges: 0, millis: 0, unordered: 0 });
    expect(seen).toEqual([]);
    store.close();
  });
});
