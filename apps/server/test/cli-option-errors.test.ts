import { describe, expect, it } from "vitest";
import { expectOneLine } from "./support/index-files.ts";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { runCli } from "./support/server-process.ts";

// One style for every mistake on the command line: `pkgindex: [PKGI_…] …`,
// one line naming the option, exit 2; never yargs' raw text.
// The bundle when it is fresh (about twice as fast to start), else the source.
const ENTRY = pkgindexEntry().file;

describe("option errors", () => {
  it.each([
    [["serve", "--store", "foo"], "PKGI_BAD_OPTION", ["--store", "sqlite, memory", '"foo"']],
    [["serve", "--sync", "sometimes"], "PKGI_BAD_OPTION", ["--sync", '"sometimes"']],
    [["serve", "--log-level", "loud"], "PKGI_BAD_OPTION", ["--log-level"]],
    [["serve", "--port"], "PKGI_BAD_OPTION", ["--port", "expected a value"]],
    [["serve", "--port", "abc"], "PKGI_BAD_OPTION", ["--port"]],
    [["serve", "--bogus-flag"], "PKGI_UNKNOWN_OPTION", ["--bogus-flag", "pkgindex serve --help"]],
    [["dump", "--data-dir", "/nonexistent", "--nope"], "PKGI_UNKNOWN_OPTION", ["--nope", "pkgindex dump --help"]],
    [["client", "--timeout"], "PKGI_BAD_OPTION", ["--timeout"]],
    [["backup", "--admin-port", "0"], "PKGI_BAD_OPTION", ["--admin-port", "from 1 to 65535"]],
    [["load"], "PKGI_USAGE", ["file", "pkgindex load --help"]],
    [["dump", "a", "b"], "PKGI_USAGE", ["unexpected argument b"]],
    [["bogus"], "PKGI_USAGE", ["unknown command bogus", "serve, dump, load, backup, client"]],
    [[], "PKGI_USAGE", ["name a command"]],
  ])("%j: one line, %s, exit 2", async (args, code, mentions) => {
    const run = await runCli(args, {}, ENTRY);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr, `pkgindex: [${code}]`, ...mentions);
    expect(run.stderr).not.toMatch(/Invalid values|Unknown argument|Not enough/);
    expect(run.stdout).toBe("");
  });
});
