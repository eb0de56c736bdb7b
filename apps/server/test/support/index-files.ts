import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { parseBrew, type BrewEntry } from "@pkgindex/store";
import { runCli } from "./server-process.ts";

/** Temporary directories of one test file; remove them with removeTempDirs() in afterAll. */
const made: string[] = [];

export function tempDir(prefix = "pkgindex-durability-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Name, size and SHA-256 of every file under `dir`: equal snapshots mean nothing was touched or added. */
export function snapshotFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .toSorted()
    .map((rel) => {
      const file = path.join(dir, rel);
      if (statSync(file).isDirectory()) return `${rel}/`;
      return `${rel} ${statSync(file).size} ${createHash("sha256").update(readFileSync(file)).digest("hex")}`;
    });
}

/** Asserts that stderr is exactly one line, without a stack frame, containing every mention. */
export function expectOneLine(stderr: string, ...mentions: string[]): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/\bat .*:\d+:\d+/);
  for (const m of mentions) expect(lines[0]).toContain(m);
}

/** name -> de-duplicated, sorted deps; a name that appears only as a dependency becomes a package with none. */
export function indexOf(entries: readonly BrewEntry[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { name, deps } of entries) out.set(name, [...new Set(deps)].toSorted());
  for (const { deps } of entries) for (const dep of deps) if (!out.has(dep)) out.set(dep, []);
  return out;
}

/** `pkgindex dump` of a data directory (the server must be stopped): the text, which must come with exit 0 and no stderr. */
export async function dumpText(dataDir: string): Promise<string> {
  const { code, stdout, stderr } = await runCli(["dump", "--data-dir", dataDir]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return stdout;
}

/** `pkgindex dump` of a data directory as name -> sorted deps. */
export async function dumpIndex(dataDir: string): Promise<Map<string, string[]>> {
  return indexOf(parseBrew(await dumpText(dataDir), "dump"));
}
