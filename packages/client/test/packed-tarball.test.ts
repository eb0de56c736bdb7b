import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startRealServer, type RealServer } from "./real-server.ts";

const run = promisify(execFile);
const PACKAGE_DIR = path.join(REPO_ROOT, "packages/client");

/** A consumer's tsconfig checking one file; @types/node comes from this repository. */
function consumerTsconfig(file: string): object {
  return {
    compilerOptions: { module: "nodenext", target: "es2022", strict: true, noEmit: true, types: ["node"], typeRoots: [path.join(REPO_ROOT, "node_modules/@types")] },
    files: [file],
  };
}

/**
 * What a user outside the repository gets: the package is built, packed
 * with npm, installed from the tarball into an empty project (offline: it
 * has no dependencies) and used from plain node and from TypeScript.
 */
describe("the packed @pkgindex/client", () => {
  let dir: string;
  let tarball: string;
  let files: string[];
  let server: RealServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "pkgindex-client-pack-"));
    // Build from the current sources rather than trust a dist/ that may
    // predate them, into a copy of the package (package.json, README, the
    // build), so the real dist/ is never half-written under other tests.
    const copy = path.join(dir, "package");
    mkdirSync(copy);
    for (const f of ["package.json", "README.md"]) copyFileSync(path.join(PACKAGE_DIR, f), path.join(copy, f));
    await run(process.execPath, ["build.mjs", path.join(copy, "dist")], { cwd: PACKAGE_DIR });
    const packed = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: copy });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(dir, info.filename);
    files = info.files.map((f) => f.path).toSorted();
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }));
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--cache", path.join(dir, ".npm-cache"), tarball], { cwd: dir });
    server = await startRealServer();
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("holds the bundle, the declarations, the README and package.json, and no sources or tests", () => {
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files).toContain("README.md");
    expect(files).toContain("package.json");
    expect(files.filter((f) => !f.startsWith("dist/") && f !== "README.md" && f !== "package.json")).toEqual([]);
  });

  it("is imported by name with plain node and talks to a server", async () => {
    writeFileSync(
      path.join(dir, "use.mjs"),
      [
        'import { createClient, createPool, isPkgIndexClientError } from "@pkgindex/client";',
        "const client = createClient({ port: Number(process.env.PORT) });",
        'const replies = [await client.index("packed"), await client.query("packed"), await client.send("BOGUS")];',
        'const invalid = await client.query("not ok").catch((err) => isPkgIndexClientError(err, "PKGI_CLIENT_INVALID_NAME"));',
        "await client.close();",
        "const pool = createPool({ port: Number(process.env.PORT), size: 2 });",
        'replies.push(await pool.query("packed"));',
        "await pool.close();",
        "console.log(JSON.stringify({ replies, invalid }));",
      ].join("\n"),
    );
    // `node` from PATH, not this test's runtime: the machine's node, whatever it is.
    const { stdout } = await run("node", ["use.mjs"], { cwd: dir, env: { ...process.env, PORT: String(server.port) } });
    expect(JSON.parse(stdout)).toEqual({ replies: [true, true, "ERROR", true], invalid: true });
  });

  it("type-checks a TypeScript consumer against its declarations", async () => {
    writeFileSync(
      path.join(dir, "use.ts"),
      [
        'import { createClient, type ClientErrorCode, type Reply } from "@pkgindex/client";',
        "const client = createClient({ port: 8080, reconnect: { retries: 1 } });",
        'const ok: boolean = await client.index("a", ["b"]);',
        'const reply: Reply = await client.send("QUERY|a|");',
        'const code: ClientErrorCode = "PKGI_CLIENT_TIMEOUT";',
        'client.on("reconnecting", (e) => e.delayMs.toFixed());',
        "export { ok, reply, code };",
      ].join("\n"),
    );
    writeFileSync(
      path.join(dir, "bad.ts"),
      ['import { createClient } from "@pkgindex/client";', 'const n: number = await createClient().query("a");', "export { n };"].join("\n"),
    );
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(consumerTsconfig("use.ts")));
    writeFileSync(path.join(dir, "tsconfig.bad.json"), JSON.stringify(consumerTsconfig("bad.ts")));
    const tsc = path.join(REPO_ROOT, "node_modules/.bin/tsc");
    await run(tsc, ["-p", "tsconfig.json"], { cwd: dir });
    // The declarations are real types, not `any`: a wrong use fails.
    const bad = await run(tsc, ["-p", "tsconfig.bad.json"], { cwd: dir }).then(
      () => "",
      (err: { stdout: string }) => err.stdout,
    );
    expect(bad).toContain("Type 'boolean' is not assignable to type 'number'");
  });
});
