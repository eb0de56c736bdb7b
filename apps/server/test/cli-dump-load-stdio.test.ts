import { spawnSync } from "node:child_process";
import { chmodSync, lstatSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dumpText, removeTempDirs, tempDir } from "./support/index-files.ts";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { runCli } from "./support/server-process.ts";

const ENTRY = pkgindexEntry().file;
const BREW = "zlib:\nopenssl: zlib ca-certificates\nca-certificates:\ncurl: openssl zlib\n";
let source: string;
let expected: string;

/** Runs the CLI with `input` on its stdin (no server is involved, so a blocking run is fine). */
function runWithStdin(args: string[], input: string): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [ENTRY, ...args], { input, encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  source = tempDir("pkgindex-stdio-");
  const loaded = runWithStdin(["load", "-", "--data-dir", source], BREW);
  expect(loaded.stderr).toBe("");
  expect(loaded.code).toBe(0);
  expected = await dumpText(source);
});
afterAll(removeTempDirs);

describe("- is stdin for load and stdout for dump", () => {
  it("load - reads the file from stdin", () => {
    expect(expected).toBe("ca-certificates:\ncurl: openssl zlib\nopenssl: ca-certificates zlib\nzlib:\n");
  });

  it("dump - writes to stdout, and a dump piped into load - restores the same index", async () => {
    const run = await runCli(["dump", "-", "--data-dir", source], {}, ENTRY);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(expected);
    const restored = tempDir("pkgindex-stdio-");
    const load = runWithStdin(["load", "-", "--data-dir", restored], run.stdout);
    expect(load.code).toBe(0);
    expect(load.stdout).toMatch(/^loaded 4 packages/);
    expect(await dumpText(restored)).toBe(expected);
  });

  it("load - names stdin in a refusal", () => {
    const run = runWithStdin(["load", "-", "--data-dir", tempDir("pkgindex-stdio-")], "a: b\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^pkgindex: \[PKGI_LOAD_FILE\] cannot load stdin: line 1: package a depends on b/);
  });
});

describe("dump FILE follows symlinks and writes devices in place", () => {
  it("through a symlink: the link stays, the file it points to gets the dump, with its permissions", async () => {
    const dir = tempDir("pkgindex-stdio-");
    const real = path.join(dir, "real.txt");
    const link = path.join(dir, "latest.txt");
    writeFileSync(real, "old\n");
    chmodSync(real, 0o600);
    symlinkSync("real.txt", link);
    const run = await runCli(["dump", link, "--data-dir", source], {}, ENTRY);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("real.txt");
    expect(readFileSync(real, "utf8")).toBe(expected);
    expect(statSync(real).mode & 0o777).toBe(0o600);
  });

  it("through a dangling symlink: its target is created", async () => {
    const dir = tempDir("pkgindex-stdio-");
    const link = path.join(dir, "latest.txt");
    symlinkSync("new.txt", link);
    const run = await runCli(["dump", link, "--data-dir", source], {}, ENTRY);
    expect(run.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, "new.txt"), "utf8")).toBe(expected);
  });

  it("to /dev/stdout: written through (the pipe gets the dump), /dev/stdout is left a symlink", async () => {
    expect(lstatSync("/dev/stdout").isSymbolicLink()).toBe(true);
    const run = await runCli(["dump", "/dev/stdout", "--data-dir", source], {}, ENTRY);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(expected);
    expect(lstatSync("/dev/stdout").isSymbolicLink()).toBe(true);
  });

  it("to /dev/null: written, not replaced", async () => {
    const run = await runCli(["dump", "/dev/null", "--data-dir", source], {}, ENTRY);
    expect(run.code).toBe(0);
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
  });
});
