import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openStore, parseBrew, SCHEMA_VERSION } from "@pkgindex/store";
import { dumpIndex, dumpText, expectOneLine, indexOf, removeTempDirs, snapshotFiles, tempDir } from "./support/index-files.ts";
import { LineClient } from "./support/line-client.ts";
import { runServeExpectingRefusal } from "./support/serve-refusal.ts";
import { BREW_DATA, CLI, runCli, startServer as startServerProcess, type ServerProcess } from "./support/server-process.ts";

afterAll(removeTempDirs);

/** Servers of the current test: killed if a failed assertion leaves one running. */
const started: ServerProcess[] = [];
afterEach(() => {
  for (const s of started.splice(0)) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
});

async function startServer(args: string[]): Promise<ServerProcess> {
  const server = await startServerProcess(args);
  started.push(server);
  return server;
}

const sqliteArgs = (workers: number, dataDir: string, sync = "full"): string[] => [
  "--workers",
  String(workers),
  "--store",
  "sqlite",
  "--data-dir",
  dataDir,
  "--sync",
  sync,
];

describe.each([0, 3])("restart, --workers %i", (workers) => {
  it("keeps packages, dependency lists and removals across a restart", async () => {
    const dataDir = tempDir();
    const server = await startServer(sqliteArgs(workers, dataDir));
    const c = await LineClient.connect(server.port);
    expect(
      await c.pipeline(["INDEX|base|", "INDEX|lib|base", "INDEX|app|lib,base", "INDEX|tool|", "INDEX|gone|base", "REMOVE|gone|", "INDEX|app|lib", "REMOVE|base|"]),
    ).toEqual(["OK", "OK", "OK", "OK", "OK", "OK", "OK", "FAIL"]);
    c.close();
    expect(await server.stop()).toBe(0);

    const again = await startServer(sqliteArgs(workers, dataDir));
    expect(await again.waitForLog((l) => l.msg === "index loaded")).toMatchObject({ packages: 4, edges: 2 });
    const d = await LineClient.connect(again.port);
    expect(await d.pipeline(["QUERY|base|", "QUERY|lib|", "QUERY|app|", "QUERY|tool|", "QUERY|gone|"])).toEqual(["OK", "OK", "OK", "OK", "FAIL"]);
    // The dependencies came back too: base still has a dependent, app no longer depends on base directly.
    expect(await d.pipeline(["REMOVE|base|", "REMOVE|lib|", "INDEX|lib|base,tool", "REMOVE|tool|"])).toEqual(["FAIL", "FAIL", "OK", "FAIL"]);
    d.close();
    expect(await again.stop()).toBe(0);

    expect(await dumpIndex(dataDir)).toEqual(
      new Map([
        ["app", ["lib"]],
        ["base", []],
        ["lib", ["base", "tool"]],
        ["tool", []],
      ]),
    );
  });
});

/** A data directory (or a path that cannot be one) that every command must refuse, and what it must say. */
interface Problem {
  /** Creates the problem; returns the data-dir argument and the directory whose files must stay byte-identical. */
  make(): { dataDir: string; watched: string };
  code: string;
  mentions: (dataDir: string) => string[];
}

const PROBLEMS: Record<string, Problem> = {
  "an unwritable data directory (a path below a regular file)": {
    make() {
      const root = tempDir();
      writeFileSync(path.join(root, "file"), "a regular file, not a directory\n");
      return { dataDir: path.join(root, "file", "sub"), watched: root };
    },
    code: "PKGI_DATA_DIR_UNUSABLE",
    mentions: (dataDir) => [dataDir, "ENOTDIR"],
  },
  "a corrupt database (random bytes)": {
    make() {
      const dir = tempDir();
      writeFileSync(path.join(dir, "pkgindex.db"), randomBytes(3 * 4096));
      return { dataDir: dir, watched: dir };
    },
    code: "PKGI_DB_CORRUPT",
    mentions: (dataDir) => [path.join(dataDir, "pkgindex.db"), "not a SQLite database"],
  },
  "a corrupt database (a text file named pkgindex.db)": {
    make() {
      const dir = tempDir();
      writeFileSync(path.join(dir, "pkgindex.db"), "name: dep dep\n".repeat(400));
      return { dataDir: dir, watched: dir };
    },
    code: "PKGI_DB_CORRUPT",
    mentions: (dataDir) => [path.join(dataDir, "pkgindex.db"), "not a SQLite database"],
  },
  "a database from a newer schema": {
    make() {
      const dir = tempDir();
      const store = openStore({ kind: "sqlite", dataDir: dir, sync: "full" });
      store.putPackage("kept", [], 0);
      store.commit();
      store.close();
      // What a newer pkgindex would leave: its schema version in the header.
      const db = new DatabaseSync(path.join(dir, "pkgindex.db"));
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      return { dataDir: dir, watched: dir };
    },
    code: "PKGI_DB_NEWER_SCHEMA",
    mentions: (dataDir) => [path.join(dataDir, "pkgindex.db"), `schema version ${SCHEMA_VERSION + 1}`, `understands up to ${SCHEMA_VERSION}`],
  },
};

describe.each(Object.keys(PROBLEMS))("%s", (problemName) => {
  const problem = PROBLEMS[problemName];

  it.each([0, 3])("serve --workers %i: one line naming it, exit 1, files untouched", async (workers) => {
    const { dataDir, watched } = problem.make();
    const before = snapshotFiles(watched);
    const run = await runServeExpectingRefusal(sqliteArgs(workers, dataDir));
    expect(run.listened).toBe(false);
    expect(run.code).toBe(1);
    expectOneLine(run.stderr, `[${problem.code}]`, ...problem.mentions(dataDir));
    expect(snapshotFiles(watched)).toEqual(before);
  });

  it("dump and load: the same line, exit 1, files untouched", async () => {
    const { dataDir, watched } = problem.make();
    const before = snapshotFiles(watched);
    const input = path.join(tempDir(), "in.txt");
    writeFileSync(input, "a:\nb: a\n");
    for (const args of [
      ["dump", "--data-dir", dataDir],
      ["load", input, "--data-dir", dataDir],
    ]) {
      const { code, stdout, stderr } = await runCli(args);
      expect({ command: args[0], code }).toEqual({ command: args[0], code: 1 });
      expect(stdout).toBe("");
      expectOneLine(stderr, `[${problem.code}]`, ...problem.mentions(dataDir));
    }
    expect(snapshotFiles(watched)).toEqual(before);
  });
});

/** `pkgindex dump` to a pipe whose reader closes after the first chunk. */
function dumpToClosingReader(dataDir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "dump", "--data-dir", dataDir], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.once("data", () => child.stdout.destroy());
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("dump and load", () => {
  it("dump then load of the brew data gives the same index, and the server serves every package of it", async () => {
    const original = parseBrew(readFileSync(BREW_DATA, "utf8"), BREW_DATA);
    const expected = indexOf(original);
    expect(expected.size).toBeGreaterThan(original.length); // some names appear only as dependencies

    // brew's own output names some packages only as dependencies: strict load refuses it, naming one.
    const strict = await runCli(["load", BREW_DATA, "--data-dir", path.join(tempDir(), "strict")]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^pkgindex: \[PKGI_LOAD_FILE\] cannot load .*brew-dependencies\.txt: line \d+: package \S+ depends on \S+, which is not listed; load with --create-missing to create such packages with no dependencies\n$/);

    const first = path.join(tempDir(), "first");
    const loaded = await runCli(["load", BREW_DATA, "--data-dir", first, "--create-missing"]);
    expect(loaded.stderr).toBe("");
    expect(loaded.code).toBe(0);
    expect(loaded.stdout).toContain(`loaded ${expected.size} packages (${expected.size - original.length} of them named only as dependencies)`);

    const dumpFile = path.join(tempDir(), "backup.txt");
    const dumped = await runCli(["dump", dumpFile, "--data-dir", first]);
    expect([dumped.code, dumped.stdout, dumped.stderr]).toEqual([0, "", ""]);
    const dumpedText = readFileSync(dumpFile, "utf8");
    expect(indexOf(parseBrew(dumpedText, dumpFile))).toEqual(expected);
    expect(await dumpText(first)).toBe(dumpedText); // stdout and FILE agree
    expect((await runCli(["dump"], { PKGINDEX_DATA_DIR: first })).stdout).toBe(dumpedText);
    // A reader that goes away early (`pkgindex dump | head`): quiet, status 141 as for SIGPIPE.
    expect(await dumpToClosingReader(first)).toEqual({ code: 141, stderr: "" });

    // The dump lists every package, so it loads strictly, and dumping that gives the same bytes.
    const second = path.join(tempDir(), "second");
    const reloaded = await runCli(["load", dumpFile, "--data-dir", second]);
    expect([reloaded.code, reloaded.stderr]).toEqual([0, ""]);
    expect(await dumpText(second)).toBe(dumpedText);

    const names = [...expected.keys()];
    const withDeps = [...expected].find(([, deps]) => deps.length > 0)!;
    for (const workers of [0, 3]) {
      const server = await startServer(sqliteArgs(workers, second));
      expect(await server.waitForLog((l) => l.msg === "index loaded")).toMatchObject({ packages: expected.size });
      const c = await LineClient.connect(server.port);
      const replies = await c.pipeline(names.map((n) => `QUERY|${n}|`));
      expect(replies.filter((r) => r !== "OK")).toEqual([]);
      // Loaded with their dependencies: a dependency of an indexed package cannot be removed.
      expect(await c.send(`REMOVE|${withDeps[1][0]}|`)).toBe("FAIL");
      c.close();
      expect(await server.stop()).toBe(0);
    }
  });

  it("load refuses a bad file with one line naming the line and package, and creates nothing", async () => {
    const dir = tempDir();
    const cases: [string, string][] = [
      ["a:\nb: a ghost\n", "line 2: package b depends on ghost, which is not listed"],
      ["root:\n\na: root b\nb: c\nc: a\n", "line 3: package a is on a dependency cycle: a -> b -> c -> a"],
      ["a:\nb: a\nb:\n", "line 3: package b is already listed on line 2"],
      ["a:\nx|y: a\n", 'line 2: invalid package name "x|y"'],
      ["a:\njust words\n", 'line 2: expected "name: dep dep ..."'],
    ];
    for (const [text, reason] of cases) {
      const file = path.join(dir, "bad.txt");
      writeFileSync(file, text);
      const dataDir = path.join(dir, "never-created");
      const { code, stdout, stderr } = await runCli(["load", file, "--data-dir", dataDir]);
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expectOneLine(stderr, `[PKGI_LOAD_FILE] cannot load ${file}: ${reason}`);
      expect(existsSync(dataDir)).toBe(false);
    }
    const missing = await runCli(["load", path.join(dir, "nope.txt"), "--data-dir", path.join(dir, "d")]);
    expect(missing.code).toBe(1);
    expectOneLine(missing.stderr, "[PKGI_LOAD_FILE]", "nope.txt", "ENOENT");
  });

  it("load never merges: it refuses an index that holds packages unless --replace, which swaps the whole index", async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, "data");
    const first = path.join(dir, "first.txt");
    const backup = path.join(dir, "backup.txt");
    writeFileSync(first, "old: shared\nshared:\nonly-old:\n");
    writeFileSync(backup, "new: shared\nshared:\n");
    expect((await runCli(["load", first, "--data-dir", dataDir])).code).toBe(0);

    const before = snapshotFiles(dataDir);
    const refused = await runCli(["load", backup, "--data-dir", dataDir]);
    expect(refused.code).toBe(1);
    expectOneLine(refused.stderr, "[PKGI_LOAD_FILE]", "already holds 3 packages", "--replace");
    expect(snapshotFiles(dataDir)).toEqual(before);

    // A bad file with --replace changes nothing either.
    const bad = path.join(dir, "bad.txt");
    writeFileSync(bad, "new: ghost\n");
    expect((await runCli(["load", bad, "--data-dir", dataDir, "--replace"])).code).toBe(1);
    expect(snapshotFiles(dataDir)).toEqual(before);

    const replaced = await runCli(["load", backup, "--data-dir", dataDir, "--replace"]);
    expect([replaced.code, replaced.stderr]).toEqual([0, ""]);
    expect(replaced.stdout).toContain("replacing 3 packages");
    expect(await dumpText(dataDir)).toBe("new: shared\nshared:\n");

    // Replacing with an empty file empties the index.
    const empty = path.join(dir, "empty.txt");
    writeFileSync(empty, "");
    expect((await runCli(["load", empty, "--data-dir", dataDir, "--replace"])).code).toBe(0);
    expect(await dumpText(dataDir)).toBe("");
  });

  it.each([0, 3])("dump and load refuse a data directory a running server holds, --workers %i", async (workers) => {
    const dataDir = tempDir();
    const server = await startServer(sqliteArgs(workers, dataDir));
    const c = await LineClient.connect(server.port);
    expect(await c.send("INDEX|held|")).toBe("OK");
    const input = path.join(tempDir(), "in.txt");
    writeFileSync(input, "a:\n");
    for (const args of [
      ["dump", "--data-dir", dataDir],
      ["load", input, "--data-dir", dataDir, "--replace"],
    ]) {
      const { code, stdout, stderr } = await runCli(args);
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expectOneLine(stderr, "[PKGI_DB_LOCKED]", path.join(dataDir, "pkgindex.db"), "in use by another process");
    }
    // The server was not disturbed.
    expect(await c.pipeline(["QUERY|held|", "INDEX|after|held"])).toEqual(["OK", "OK"]);
    c.close();
    expect(await server.stop()).toBe(0);
    expect(await dumpText(dataDir)).toBe("after: held\nheld:\n");
  });

  it("dump names a data directory that does not exist or holds no database, and writes no file", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out.txt");
    const absent = await runCli(["dump", out, "--data-dir", path.join(dir, "absent")]);
    expect(absent.code).toBe(1);
    expectOneLine(absent.stderr, "[PKGI_DATA_DIR_UNUSABLE]", path.join(dir, "absent"), "does not exist");
    mkdirSync(path.join(dir, "empty"));
    const empty = await runCli(["dump", out, "--data-dir", path.join(dir, "empty")]);
    expect(empty.code).toBe(1);
    expectOneLine(empty.stderr, "[PKGI_DATA_DIR_UNUSABLE]", "holds no pkgindex.db");
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(dir, "empty", "pkgindex.db"))).toBe(false);
  });
});
