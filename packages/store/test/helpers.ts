import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect } from "vitest";
import { PkgIndexError, type ErrorCode } from "@pkgindex/errors";
import { openStore, type Store, type StoreOptions } from "../src/index.ts";

export const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
export const brewDataPath = resolve(repoRoot, "../shared/data/brew-dependencies.txt");
export const fixturesDir = fileURLToPath(new URL("./fixtures/", import.meta.url));

const made: string[] = [];
const opened: Store[] = [];

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pkgindex-store-"));
  made.push(dir);
  return dir;
}

/** openStore with sqlite defaults; the store is closed after the test. */
export function open(dataDir: string, extra: Partial<StoreOptions> = {}): Store {
  const store = openStore({ kind: "sqlite", dataDir, sync: "full", ...extra });
  opened.push(store);
  return store;
}

/** Everything a load() yields, as name -> sorted deps. */
export function contents(store: Store): Map<string, string[]> {
  const out = new Map<string, string[]>();
  store.load((name, deps) => out.set(name, deps.toSorted()));
  return out;
}

/** Name, size and SHA-256 of every file in a directory: to prove nothing was touched. */
export function snapshot(dir: string): string[] {
  return readdirSync(dir)
    .toSorted()
    .map((f) => {
      const path = join(dir, f);
      return `${f} ${statSync(path).size} ${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
    });
}

/** Size and mtime of each file, to prove a commit wrote nothing. */
export function fileTimes(dir: string): string[] {
  return readdirSync(dir)
    .toSorted()
    .map((f) => {
      const st = statSync(join(dir, f), { bigint: true });
      return `${f} ${st.size} ${st.mtimeNs}`;
    });
}

export interface Refusal {
  pkgIndexError: boolean;
  code: string | undefined;
  message: string;
  oneLine: boolean;
}

/** What fn throws, in a shape for toMatchObject (see failedWith); fails the test if fn returns. */
export function refusal(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      pkgIndexError: err instanceof PkgIndexError,
      code: (err as { code?: string }).code,
      message,
      oneLine: !message.includes("\n"),
    };
  }
  throw new Error("expected a PkgIndexError, but nothing was thrown");
}

/** The Refusal of a PkgIndexError with this code and a one-line message. */
export function failedWith(code: ErrorCode, message?: RegExp): Partial<Refusal> {
  const shape: Record<string, unknown> = { pkgIndexError: true, code, oneLine: true };
  if (message !== undefined) shape.message = expect.stringMatching(message);
  return shape as Partial<Refusal>;
}
