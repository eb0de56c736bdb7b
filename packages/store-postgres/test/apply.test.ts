// pkgindex.apply against the reference model (test/model.ts), plus the cases
// worth naming: cycles, revisions, and the invariants the database enforces
// by itself whoever writes.
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codes, connect, databaseOf, rejection, useCluster } from "./helpers.ts";
import { Model } from "./model.ts";

const env = useCluster();

const NAMES = ["a", "b", "c", "d", "e", "f"];

/** A protocol line over a handful of names: mostly valid, sometimes malformed. */
const lineArb = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...NAMES), fc.array(fc.constantFrom(...NAMES), { maxLength: 4 })).map(([n, d]) => `INDEX|${n}|${d.join(",")}`) },
  { weight: 2, arbitrary: fc.constantFrom(...NAMES).map((n) => `REMOVE|${n}|`) },
  { weight: 2, arbitrary: fc.constantFrom(...NAMES).map((n) => `QUERY|${n}|`) },
  { weight: 1, arbitrary: fc.constantFrom("INDEX|a|b,", "QUERY|a", "index|a|", "INDEX||", "REMOVE|a b|", "INDEX|a|,", "QUERY|a|b|c", "") },
);
const runArb = fc.array(fc.array(lineArb, { minLength: 1, maxLength: 16 }), { minLength: 1, maxLength: 6 });

async function freshStore(allowCycles = false) {
  const url = await env.cluster.createDatabase();
  return { url, db: databaseOf(url), store: await connect(url, { allowCycles }) };
}

async function storedChanges(db: string) {
  return env.cluster.sql(db, "SELECT revision::int, command, name, deps FROM pkgindex.changes ORDER BY revision");
}

describe("pkgindex.apply agrees with the reference model", () => {
  for (const allowCycles of [false, true]) {
    it(`on random batches (allowCycles ${allowCycles}): every code, the final index and the change log`, async () => {
      const { db, store } = await freshStore(allowCycles);
      await fc.assert(
        fc.asyncProperty(runArb, async (batches) => {
          await env.cluster.sql(db, "TRUNCATE pkgindex.edges, pkgindex.packages, pkgindex.changes; UPDATE pkgindex.meta SET revision = 0");
          const model = new Model(allowCycles);
          for (const batch of batches) {
            const got = await store.applyBatch(`${batch.join("\n")}\n`);
            expect(codes(got)).toEqual(model.applyBatch(batch));
          }
          expect(await store.dumpEntries()).toEqual(model.entries());
          // Revisions: one per change that altered the index, gap-free from
          // 1, in apply order; nothing for FAILs, QUERYs or unchanged lists.
          expect(await storedChanges(db)).toEqual(model.changes.map((c, i) => ({ revision: i + 1, ...c })));
          expect(await store.revision()).toBe(model.changes.length);
        }),
        { numRuns: 60, seed: 1313 },
      );
    });
  }
});

describe("pkgindex.apply", () => {
  it("a malformed line naming a package the batch writes is ERROR and changes nothing (version 2 leaves only valid lines to its loop)", async () => {
    const { store } = await freshStore();
    expect(codes(await store.applyBatch("INDEX|a|\nINDEX|a|b,\nREMOVE|a|x|y\nQUERY|a|\nINDEX|a b|\nQUERY|a|"))).toEqual([0, 2, 2, 0, 2, 0]);
    expect(await store.dumpEntries()).toEqual([{ name: "a", deps: [] }]);
    expect(await store.revision()).toBe(1);
  });

  it("splits lines on \\n with or without a trailing one; an empty batch is empty", async () => {
    const { store } = await freshStore();
    expect(codes(await store.applyBatch(""))).toEqual([]);
    expect(codes(await store.applyBatch("INDEX|a|"))).toEqual([0]);
    expect(codes(await store.applyBatch("QUERY|a|\nQUERY|b|\n"))).toEqual([0, 1]);
    expect(codes(await store.applyBatch("\n"))).toEqual([2]);
    expect(codes(await store.applyBatch("QUERY|a|\n\nQUERY|a|"))).toEqual([0, 2, 0]);
  });

  it("refuses cycles, self-dependencies included, and only on a re-INDEX that changes the list", async () => {
    const { store } = await freshStore(false);
    expect(codes(await store.applyBatch("INDEX|a|\nINDEX|b|a\nINDEX|c|b\nINDEX|a|c\nINDEX|a|a\nINDEX|x|x\nINDEX|a|\nINDEX|c|b,b"))).toEqual([
      0, 0, 0, 1, 1, 1, 0, 0,
    ]);
    expect(await store.dumpEntries()).toEqual([
      { name: "a", deps: [] },
      { name: "b", deps: ["a"] },
      { name: "c", deps: ["b"] },
    ]);
    expect(await store.revision()).toBe(3);
  });

  it("accepts cycles when allowed; a self-dependency does not block the package's own REMOVE", async () => {
    const { store } = await freshStore(true);
    expect(codes(await store.applyBatch("INDEX|a|\nINDEX|b|a\nINDEX|a|b\nINDEX|c|\nINDEX|c|c\nREMOVE|a|\nREMOVE|c|\nQUERY|c|"))).toEqual([
      0, 0, 0, 0, 0, 1, 0, 1,
    ]);
    expect(await store.dumpEntries()).toEqual([
      { name: "a", deps: ["b"] },
      { name: "b", deps: ["a"] },
    ]);
  });

  it("a store without allowCycles still refuses a new cycle over one written while cycles were allowed", async () => {
    const { url, store } = await freshStore(true);
    await store.applyBatch("INDEX|a|\nINDEX|b|a\nINDEX|a|b\nINDEX|c|");
    const strict = await connect(url, { allowCycles: false });
    // c -> a closes nothing; b -> {a, c} where c -> b would; the old a<->b stays.
    expect(codes(await strict.applyBatch("INDEX|c|a\nINDEX|c|b\nINDEX|a|b,c\nINDEX|b|a,c"))).toEqual([0, 0, 1, 1]);
  });

  it("needs READ COMMITTED: under REPEATABLE READ its reads would predate the writer lock", async () => {
    const { db } = await freshStore();
    const err = await rejection(env.cluster.sql(db, "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT pkgindex.apply('INDEX|a|'); COMMIT"));
    expect(err.message).toMatch(/needs READ COMMITTED/);
  });
});

describe("the database enforces the invariants itself", () => {
  it("a depended-on package cannot be deleted directly; its own edges go with a package", async () => {
    const { db, store } = await freshStore();
    await store.applyBatch("INDEX|a|\nINDEX|b|a\nINDEX|c|b");
    const err = await rejection(env.cluster.sql(db, "DELETE FROM pkgindex.packages WHERE name = 'a'"));
    expect(err.message).toMatch(/violates foreign key constraint/);
    await env.cluster.sql(db, "DELETE FROM pkgindex.packages WHERE name = 'c'");
    expect(await env.cluster.sql(db, "SELECT count(*)::int AS n FROM pkgindex.edges")).toEqual([{ n: 1 }]);
  });

  it("an edge to a package that does not exist, and a name the protocol refuses, are rejected", async () => {
    const { db, store } = await freshStore();
    await store.applyBatch("INDEX|a|");
    expect((await rejection(env.cluster.sql(db, "INSERT INTO pkgindex.edges SELECT id, id + 1000 FROM pkgindex.packages"))).message).toMatch(
      /violates foreign key constraint/,
    );
    for (const bad of ["a b", "a|b", "a,b", "", "é", "x".repeat(256)]) {
      const err = await rejection(env.cluster.sql(db, "INSERT INTO pkgindex.packages (name) VALUES ($1)", [bad]));
      expect(err.message).toMatch(/violates check constraint/);
    }
    await env.cluster.sql(db, "INSERT INTO pkgindex.packages (name) VALUES ($1)", ["x".repeat(255)]);
  });
});
