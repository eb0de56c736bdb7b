import { afterAll, describe, expect, it } from "vitest";
import { expectOneLine, removeTempDirs, snapshotFiles, tempDir } from "./support/index-files.ts";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { BREW_DATA, runCli } from "./support/server-process.ts";

afterAll(removeTempDirs);

describe("load of brew's own output", () => {
  it("stops at the first dependency with no line of its own (gpg) and names --create-missing", async () => {
    const dir = tempDir("pkgindex-load-missing-");
    const run = await runCli(["load", BREW_DATA, "--data-dir", dir], {}, pkgindexEntry().file);
    expect(run.code).toBe(1);
    expectOneLine(run.stderr, "PKGI_LOAD_FILE", "depends on gpg, which is not listed", "--create-missing");
    expect(snapshotFiles(dir)).toEqual([]);
  });

  it("loads with the flag the message names", async () => {
    const dir = tempDir("pkgindex-load-missing-");
    const run = await runCli(["load", BREW_DATA, "--data-dir", dir, "--create-missing"], {}, pkgindexEntry().file);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^loaded \d+ packages \(\d+ of them named only as dependencies\)/);
  });
});
