import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import type { Store, StoredChange } from "../src/index.ts";
import { contents, open, tempDir } from "./helpers.ts";

function changes(store: Store, after = 0): Omit<StoredChange, "at">[] {
  const out: Omit<StoredChange, "at">[] = [];
  store.loadChanges(after, ({ at: _at, ...rest }) => out.push({ ...rest, deps: [...rest.deps] }));
  return out;
}

describe("sqlite store: revisions and the change history", () => {
  it("gives every change the next revision in call order, and nothing to a put that changes nothing", () => {
    const dir = tempDir();
    const store = open(dir);
    expect(store.revision).toBe(0);
    store.putPackage("a", [], 0);
    store.putPackage("b", ["a"], 1);
    store.putPackage("b", ["a"], 1); // same set: not a change
    store.commit();
    store.putPackage("b", [], 0);
    store.deletePackage("b");
    store.deletePackage("zz"); // not stored: not a change
    store.commit();
    expect(store.revision).toBe(4);
    expect(changes(store)).toEqual([
      { revision: 1, command: "INDEX", name: "a", deps: [] },
      { revision: 2, command: "INDEX", name: "b", deps: ["a"] },
      { revision: 3, command: "INDEX", name: "b", deps: [] },
      { revision: 4, command: "REMOVE", name: "b", deps: [] },
    ]);
    expect(changes(store, 2).map((c) => c.revision)).toEqual([3, 4]);
  });

  it("keeps revisions across a reopen and continues from the last committed one; an uncommitted batch takes none", () => {
    const dir = tempDir();
    const first = open(dir);
    first.putPackage("a", [], 0);
    first.commit();
    first.putPackage("b", [], 0); // never committed
    first.close();
    const second = open(dir);
    expect(second.revision).toBe(1);
    second.putPackage("c", ["a"], 1);
    second.commit();
    expect(changes(second).map((c) => [c.revision, c.name])).toEqual([
      [1, "a"],
      [2, "c"],
    ]);
  });

  it("retention by count keeps the last N revisions; the current revision survives an empty history", () => {
    const dir = tempDir();
    const store = open(dir, { retention: { revisions: 3 } });
    for (let i = 0; i < 10; i++) {
      store.putPackage(`p${i}`, [], 0);
      store.commit();
    }
    expect(changes(store).map((c) => c.revision)).toEqual([8, 9, 10]);
    expect(store.oldestRevision).toBe(8);
    store.close();
    const reopened = open(dir, { retention: { revisions: 3 } });
    expect(reopened.revision).toBe(10);
    expect(reopened.oldestRevision).toBe(8);
  });

  it("retention by age drops what is older than the age at the next commit", () => {
    const dir = tempDir();
    const store = open(dir, { retention: { ageMs: 60_000 } });
    store.putPackage("old", [], 0);
    store.commit();
    store.close();
    const db = new DatabaseSync(join(dir, "pkgindex.db"));
    db.exec(`UPDATE changes SET at = ${Date.now() - 120_000}`);
    db.close();
    const reopened = open(dir, { retention: { ageMs: 60_000 } });
    reopened.putPackage("new", [], 0);
    reopened.commit();
    expect(changes(reopened).map((c) => c.name)).toEqual(["new"]);
    expect(reopened.oldestRevision).toBe(2);
  });

  it("migrates a version 1 database: its packages kept, revisions start after 0", () => {
    const dir = tempDir();
    const db = new DatabaseSync(join(dir, "pkgindex.db"));
    db.exec(`PRAGMA journal_mode = WAL;
      CREATE TABLE packages (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
      CREATE TABLE edges (pkg INTEGER NOT NULL, dep INTEGER NOT NULL, PRIMARY KEY (pkg, dep)) WITHOUT ROWID, STRICT;
      INSERT INTO packages (id, name) VALUES (1, 'a'), (2, 'b');
      INSERT INTO edges (pkg, dep) VALUES (2, 1);
      PRAGMA application_id = ${0x706b6769};
      PRAGMA user_version = 1;
      PRAGMA wal_checkpoint(TRUNCATE);`);
    db.close();
    const store = open(dir);
    expect(contents(store)).toEqual(new Map([["a", []], ["b", ["a"]]]));
    expect(store.revision).toBe(0);
    store.deletePackage("b");
    store.commit();
    expect(changes(store)).toEqual([{ revision: 1, command: "REMOVE", name: "b", deps: [] }]);
  });
});
