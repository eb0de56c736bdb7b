import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { REPO_ROOT, runCli } from "./support/server-process.ts";

const ENTRY = pkgindexEntry().file;
const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, "apps/server/package.json"), "utf8")) as { version: string }).version;
const COMMANDS = ["serve", "dump", "load", "backup", "client"];

describe("--version and -h on every command", () => {
  it.each([[[]], ...COMMANDS.map((c) => [[c]])])("pkgindex %j --version prints apps/server/package.json's version", async (words) => {
    const run = await runCli([...words, "--version"], {}, ENTRY);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${VERSION}\n`);
    expect(run.stderr).toBe("");
  });

  it.each(COMMANDS)("pkgindex %s -h and --help print its usage", async (command) => {
    for (const flag of ["-h", "--help"]) {
      const run = await runCli([command, flag], {}, ENTRY);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`pkgindex ${command}`);
      expect(run.stdout).toContain("--version");
      expect(run.stderr).toBe("");
    }
  });

  it("the bundle carries its version baked in, and answers --version even on a Node too old to serve", () => {
    const bundle = path.join(REPO_ROOT, "apps/server/dist/pkgindex.js");
    expect(readFileSync(bundle, "utf8")).toContain(JSON.stringify(VERSION));
    const old = spawnSync("/usr/bin/node", ["--version"], { encoding: "utf8" });
    expect(old.stdout.trim()).toMatch(/^v(1\d|2[0-3])\./);
    const run = spawnSync("/usr/bin/node", [bundle, "--version"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${VERSION}\n`);
  });

  it("a --version after -- is a client's word, not the flag", async () => {
    // The client gets it as a request word and fails to connect (no server on port 1): not the version.
    const run = await runCli(["client", "--port", "1", "--", "QUERY", "--version"], {}, ENTRY);
    expect(run.stdout).not.toContain(VERSION);
    expect(run.code).toBe(1);
  });
});
