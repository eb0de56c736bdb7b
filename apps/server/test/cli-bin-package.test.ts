import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startLoggingServer } from "@pkgindex/server-process";
import { removeTempDirs, tempDir } from "./support/index-files.ts";
import { REPO_ROOT } from "./support/server-process.ts";

const SERVER_PACKAGE = JSON.parse(readFileSync(path.join(REPO_ROOT, "apps/server/package.json"), "utf8")) as { version: string };
const PNPM = (JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { packageManager: string }).packageManager;
// Node 24 first on PATH, as for any user who has it: the bin then finds `node`.
const NODE24_PATH = { PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ""}` };

afterAll(removeTempDirs);

/** Serves through `bin` (an executable, no `node` in front) and stops it with SIGTERM sent to the pid spawned. */
async function serveThrough(bin: string, env: Record<string, string> = {}): Promise<{ spawnedPid: number; serverPid: unknown; code: number | string; drained: boolean; notJson: unknown[] }> {
  const server = await startLoggingServer(bin, ["serve", "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--store", "memory"], { executable: true, env });
  const listening = await server.waitForLog((l) => l.msg === "listening");
  const code = await server.stop();
  return {
    spawnedPid: server.child.pid!,
    serverPid: listening.pid,
    code,
    drained: server.logs.some((l) => l.msg === "drained; exiting"),
    // spawnLogging keeps a stdout line that is not JSON as { raw }: a wrapper's banner would be one.
    notJson: server.logs.filter((l) => "raw" in l),
  };
}

describe("node_modules/.bin/pkgindex in the workspace", () => {
  const bin = path.join(REPO_ROOT, "node_modules/.bin/pkgindex");

  it("is linked by the install and prints the version", () => {
    expect(existsSync(bin)).toBe(true);
    expect(execFileSync(bin, ["--version"], { encoding: "utf8" })).toBe(`${SERVER_PACKAGE.version}\n`);
  });

  it("is the server process itself: stdout is only the server's log lines, and SIGTERM to that pid drains it (exit 0)", async () => {
    // The machine's own PATH: the bin must pick the project's Node 24 itself.
    const run = await serveThrough(bin);
    expect(run).toEqual({ spawnedPid: run.spawnedPid, serverPid: run.spawnedPid, code: 0, drained: true, notJson: [] });
  });
});

describe("the packed tarball", () => {
  it("installs with npm, no registry needed, and its bin runs the bundle (--version, serve, SIGTERM)", async () => {
    const out = tempDir("pkgindex-pack-");
    execFileSync("npx", ["-y", PNPM, "pack", "--pack-destination", out], { cwd: path.join(REPO_ROOT, "apps/server"), stdio: "ignore" });
    const tarball = readdirSync(out).find((f) => f.endsWith(".tgz"));
    expect(tarball).toBe(`pkgindex-server-${SERVER_PACKAGE.version}.tgz`);
    const files = execFileSync("tar", ["tzf", path.join(out, tarball!)], { encoding: "utf8" }).trim().split("\n").toSorted();
    expect(files).toEqual(expect.arrayContaining(["package/LICENSE", "package/CHANGELOG.md", "package/bin/pkgindex", "package/dist/pkgindex.js", "package/dist/cli.js", "package/dist/io-worker.js", "package/dist/state-owner-worker.js"]));
    expect(files.filter((f) => f.startsWith("package/src/") || f.startsWith("package/test/"))).toEqual([]);
    const manifest = JSON.parse(execFileSync("tar", ["xzf", path.join(out, tarball!), "-O", "package/package.json"], { encoding: "utf8" })) as Record<string, unknown>;
    // A bundle: nothing to install at run time.
    expect(manifest.dependencies).toBeUndefined();

    const app = tempDir("pkgindex-installed-");
    writeFileSync(path.join(app, "package.json"), "{}\n");
    execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", path.join(out, tarball!)], { cwd: app, stdio: "ignore" });
    expect(execFileSync("npx", ["pkgindex", "--version"], { cwd: app, encoding: "utf8", env: { ...process.env, ...NODE24_PATH } })).toBe(`${SERVER_PACKAGE.version}\n`);
    const run = await serveThrough(path.join(app, "node_modules/.bin/pkgindex"), NODE24_PATH);
    expect(run).toEqual({ spawnedPid: run.spawnedPid, serverPid: run.spawnedPid, code: 0, drained: true, notJson: [] });
  });
});
