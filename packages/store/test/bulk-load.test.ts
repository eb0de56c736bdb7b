import { readFileSync } from "node:fs";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bulkLoad, dumpBrew, dumpEntries, formatBrew, openStore, parseBrew, type BrewEntry } from "../src/index.ts";
import { brewDataPath, contents, failedWith, open, refusal, tempDir } from "./helpers.ts";

/** name -> sorted deps, with packages named only as dependencies added with none. */
function closure(entries: readonly BrewEntry[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { name, deps } of entries) out.set(name, [...new Set(deps)].toSorted());
  for (const { deps } of entries) for (const dep of deps) if (!out.has(dep)) out.set(dep, []);
  return out;
}

describe("brew data: parse, bulk load, dump, parse again", () => {
  it("round-trips ../shared/data/brew-dependencies.txt to the same index", () => {
    const original = parseBrew(readFileSync(brewDataPath, "utf8"), brewDataPath);
    expect(original.length).toBeGreaterThan(3000);
    const expected = closure(original);
    expect(expected.size).toBeGreaterThan(original.length); // it does name packages that have no line of their own

    const dir = tempDir();
    const store = open(dir);
    const stats = bulkLoad(store, original, { source: brewDataPath, missing: "create" });
    expect(stats.packages).toBe(expected.size);
    expect(stats.created).toBe(expected.size - original.length);
    expect(stats.edges).toBe([...expected.values()].reduce((n, deps) => n + deps.length, 0));
    expect(store.commits).toBe(1); // the whole file in one transaction
    store.close();

    // Restart, dump, and parse the dump: the same index, every package now with its own line.
    const reopened = open(dir);
    expect(contents(reopened)).toEqual(expected);
    const dumped = dumpBrew(reopened);
    const reparsed = parseBrew(dumped, "dump");
    expect(reparsed).toHaveLength(expected.size);
    expect(closure(reparsed)).toEqual(expected);

    // The dump is canonical and strict-loadable: loading it elsewhere and dumping again gives the same bytes.
    const copy = open(tempDir());
    bulkLoad(copy, reparsed, { source: "dump" }); // missing: "refuse" (the default) is enough for a dump
    expect(dumpBrew(copy)).toBe(dumped);
  });
});

describe("bulkLoad", () => {
  it("writes dependencies before dependents whatever the input order", () => {
    const store = open(tempDir());
    bulkLoad(store, parseBrew("app: lib base\nlib: base\nbase:\n"));
    const order: string[] = [];
    store.load((name) => order.push(name));
    expect(order).toEqual(["base", "lib", "app"]);
  });

  it("refuses a missing dependency by default, naming the package, and writes nothing", () => {
    const dir = tempDir();
    const store = open(dir);
    const err = refusal(() => bulkLoad(store, parseBrew("a:\nb: a ghost\n"), { source: "f.txt" }));
    expect(err).toMatchObject(failedWith("PKGI_LOAD_FILE"));
    expect(err.message).toBe("cannot load f.txt: package b depends on ghost, which is not listed");
    expect(store.commits).toBe(0);
    expect(contents(store).size).toBe(0);
  });

  it("creates a dependency-only package with no dependencies when asked", () => {
    const store = open(tempDir());
    expect(bulkLoad(store, parseBrew("b: a ghost\na:\n"), { missing: "create" })).toMatchObject({ packages: 3, edges: 2, created: 1 });
    expect(contents(store)).toEqual(
      new Map([
        ["a", []],
        ["ghost", []],
        ["b", ["a", "ghost"]],
      ]),
    );
  });

  it("refuses a cycle, naming a package on it and the cycle", () => {
    const store = open(tempDir());
    const err = refusal(() => bulkLoad(store, parseBrew("root:\na: root b\nb: c\nc: a\nd: c\n"), { source: "f" }));
    expect(err).toMatchObject(failedWith("PKGI_LOAD_FILE", /^cannot load f: package (a|b|c) is on a dependency cycle: /));
    expect(err.message).toMatch(/a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c/);
    expect(store.commits).toBe(0);
  });

  it("refuses a self-dependency", () => {
    const store = open(tempDir());
    expect(refusal(() => bulkLoad(store, parseBrew("a: a\n")))).toMatchObject(failedWith("PKGI_LOAD_FILE", /package a is on a dependency cycle: a -> a/));
  });

  it("loads cycles when allowed, and load() still yields every package", () => {
    const store = open(tempDir());
    expect(bulkLoad(store, parseBrew("a: b\nb: a\nc:\n"), { allowCycles: true })).toMatchObject({ packages: 3, edges: 2 });
    expect(contents(store)).toEqual(
      new Map([
        ["a", ["b"]],
        ["b", ["a"]],
        ["c", []],
      ]),
    );
  });

  it("refuses a store that already holds packages", () => {
    const store = open(tempDir());
    store.putPackage("existing", [], 0);
    store.commit();
    expect(refusal(() => bulkLoad(store, parseBrew("a:\n"), { source: "f" }))).toMatchObject(
      failedWith("PKGI_LOAD_FILE", /the store already holds 1 packages; load into an empty data directory/),
    );
  });

  it("refuses duplicate or invalid names in programmatic entries", () => {
    const store = open(tempDir());
    expect(
      refusal(() =>
        bulkLoad(store, [
          { name: "a", deps: [] },
          { name: "a", deps: [] },
        ]),
      ),
    ).toMatchObject(failedWith("PKGI_LOAD_FILE", /package a is listed twice/));
    expect(refusal(() => bulkLoad(store, [{ name: "has space", deps: [] }]))).toMatchObject(failedWith("PKGI_LOAD_FILE", /invalid package name/));
  });

  it("validates but keeps nothing with the memory store", () => {
    const store = openStore({ kind: "memory", dataDir: "unused", sync: "full" });
    expect(bulkLoad(store, parseBrew("b: a\na:\n"))).toMatchObject({ packages: 2, edges: 1 });
    expect(dumpEntries(store)).toEqual([]);
  });

  it("any acyclic index survives bulk load then dump unchanged (property)", () => {
    const dag = fc
      .integer({ min: 0, max: 40 })
      .chain((n) =>
        fc.tuple(
          fc.uniqueArray(fc.stringMatching(/^[!-+\--{}~]{1,8}$/), { minLength: n, maxLength: n }),
          fc.array(fc.array(fc.nat(), { maxLength: 6 }), { minLength: n, maxLength: n }),
        ),
      )
      .map(([names, picks]) =>
        // Package i may only depend on packages with a lower index: acyclic by construction.
        names.map((name, i) => ({ name, deps: i === 0 ? [] : [...new Set(picks[i].map((p) => names[p % i]))] })),
      )
      .chain((entries) => fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }));
    fc.assert(
      fc.property(dag, (entries) => {
        const store = openStore({ kind: "sqlite", dataDir: tempDir(), sync: "off" });
        try {
          bulkLoad(store, entries);
          const dumped = dumpEntries(store);
          expect(new Map(dumped.map((e) => [e.name, e.deps]))).toEqual(closure(entries));
          expect(parseBrew(formatBrew(dumped))).toEqual(dumped);
        } finally {
          store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
