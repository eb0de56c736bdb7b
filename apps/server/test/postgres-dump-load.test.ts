// `pkgindex dump` and `load` against PostgreSQL (--store postgres): the same
// text as with SQLite, one transaction, and nodes may keep serving.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseBrew } from "@pkgindex/store";
import { expectOneLine, indexOf } from "./support/index-files.ts";
import { LineClient } from "./support/line-client.ts";
import { postgresArgs, usePostgres } from "./support/postgres.ts";
import { BREW_DATA, runCli, startServer } from "./support/server-process.ts";

const env = usePostgres();
const scratch = mkdtempSync(path.join(tmpdir(), "pkgindex-pg-dump-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("dump and load with --store postgres", () => {
  it("loads the brew data, serves it, dumps the same bytes a SQLite round trip gives; refuses to merge; --replace swaps while a node serves", async () => {
    const url = await env.cluster.createDatabase();
    const pg = ["--store", "postgres", "--postgres-url", url];
    const original = parseBrew(readFileSync(BREW_DATA, "utf8"), BREW_DATA);
    const expected = indexOf(original);

    const loaded = await runCli(["load", BREW_DATA, "--create-missing", ...pg]);
    expect([loaded.code, loaded.stderr]).toEqual([0, ""]);
    expect(loaded.stdout).toMatch(new RegExp(`^loaded ${expected.size} packages \\(${expected.size - original.length} of them named only as dependencies\\) and \\d+ dependencies into PostgreSQL postgres@`));

    const dumped = await runCli(["dump", ...pg]);
    expect([dumped.code, dumped.stderr]).toEqual([0, ""]);
    expect(indexOf(parseBrew(dumped.stdout, "dump"))).toEqual(expected);
    // The same canonical text as the SQLite store's dump of the same file.
    const sqliteDir = path.join(scratch, "sqlite");
    expect((await runCli(["load", BREW_DATA, "--create-missing", "--data-dir", sqliteDir])).code).toBe(0);
    expect((await runCli(["dump", "--data-dir", sqliteDir])).stdout).toBe(dumped.stdout);

    const node = await startServer(postgresArgs(url, 2));
    try {
      const c = await LineClient.connect(node.port);
      const [withDeps, deps] = [...expected].find(([, d]) => d.length > 0)!;
      expect(await c.send(`QUERY|${withDeps}|`)).toBe("OK");
      expect(await c.send(`REMOVE|${deps[0]}|`)).toBe("FAIL");
      expect(await c.send("INDEX|written-by-a-node|")).toBe("OK");

      // Never a merge into an index that holds packages.
      const merged = await runCli(["load", BREW_DATA, "--create-missing", ...pg]);
      expect(merged.code).toBe(1);
      expectOneLine(merged.stderr, "[PKGI_LOAD_FILE]", "already holds", "--replace");

      // --replace while the node serves: the node sees the new index at once.
      const small = path.join(scratch, "small.txt");
      writeFileSync(small, "a:\nb: a\n");
      const replaced = await runCli(["load", small, "--replace", ...pg]);
      expect([replaced.code, replaced.stderr]).toEqual([0, ""]);
      expect(replaced.stdout).toContain(`replacing ${expected.size + 1} packages`);
      expect(await c.send("QUERY|written-by-a-node|")).toBe("FAIL");
      expect(await c.send(`QUERY|${withDeps}|`)).toBe("FAIL");
      expect(await c.send("REMOVE|a|")).toBe("FAIL");
      expect((await runCli(["dump", ...pg])).stdout).toBe("a:\nb: a\n");
      c.close();
    } finally {
      expect(await node.stop()).toBe(0);
    }
  });

  it("a file with a cycle is refused naming the line, and nothing is written", async () => {
    const url = await env.cluster.createDatabase();
    const pg = ["--store", "postgres", "--postgres-url", url];
    const file = path.join(scratch, "cycle.txt");
    writeFileSync(file, "a: b\nb: a\n");
    const refused = await runCli(["load", file, ...pg]);
    expect(refused.code).toBe(1);
    expectOneLine(refused.stderr, "[PKGI_LOAD_FILE]", "cycle.txt");
    expect((await runCli(["dump", ...pg])).stdout).toBe("");
  });

  it("bad store flags: one line naming the flag, exit 2; an unreachable database: one line, exit 1", async () => {
    const wrong = await runCli(["dump", "--postgres-url", "postgresql://u@h/d"]);
    expect(wrong.code).toBe(2);
    expectOneLine(wrong.stderr, "--postgres-url");
    const nowhere = `postgresql://postgres@localhost:5432/x?host=${encodeURIComponent(path.join(scratch, "no-such-dir"))}`;
    const away = await runCli(["dump", "--store", "postgres", "--postgres-url", nowhere, "--store-connect-timeout", "0"]);
    expect(away.code).toBe(1);
    expectOneLine(away.stderr, "[PKGI_PG_CONNECT_FAILED]");
  });
});
