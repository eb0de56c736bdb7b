import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { expectOneLine } from "./support/index-files.ts";
import { LineClient } from "./support/line-client.ts";
import { REPO_ROOT, runCli, startServer } from "./support/server-process.ts";

describe("pkgindex CLI errors", () => {
  it.each([
    [["serve", "--port", "abc"], "--port"],
    [["serve", "--port", "70000"], "--port"],
    [["serve", "--workers", "many"], "--workers"],
    [["serve", "--workers", "-1"], "--workers"],
    [["serve", "--max-line-bytes", "1"], "--max-line-bytes"],
    [["serve", "--max-pending-replies", "0"], "--max-pending-replies"],
    [["serve", "--store", "oracle"], "store"],
    [["serve", "--store", "sqlite", "--postgres-url", "postgresql://u@db/index"], "--postgres-url"],
    [["serve", "--store", "postgres", "--postgres-url", "host=db dbname=index"], "--postgres-url"],
    [["serve", "--store", "postgres", "--postgres-url", "postgresql://u@db:99999/index"], "--postgres-url"],
    [["serve", "--store", "postgres", "--store-connect-timeout", "-1"], "--store-connect-timeout"],
    [["serve", "--sync", "sometimes"], "sync"],
    [["serve", "--bogus-flag"], "bogus-flag"],
    [["serve", "--log-level", "loud"], "log-level"],
  ])("%j: one line naming the flag, exit 2", async (args, flag) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expectOneLine(stderr, flag);
  });

  it("reads every flag from PKGINDEX_<FLAG> too, with the same validation", async () => {
    const { code, stderr } = await runCli(["serve"], { PKGINDEX_MAX_LINE_BYTES: "12" });
    expect(code).toBe(2);
    expectOneLine(stderr, "--max-line-bytes");
  });

  it("takes settings from env vars", async () => {
    const server = await startServer(["--store", "memory"], { PKGINDEX_WORKERS: "2", PKGINDEX_MAX_LINE_BYTES: "100" });
    const listening = await server.waitForLog((l) => l.msg === "listening");
    expect(listening.workers).toBe(2);
    expect(await server.stop()).toBe(0);
  });

  it("asks for a command when given none", async () => {
    const { code, stderr } = await runCli([]);
    expect(code).toBe(2);
    expectOneLine(stderr, "serve");
  });

  it("--help describes every flag", async () => {
    const { code, stdout } = await runCli(["serve", "--help"]);
    expect(code).toBe(0);
    for (const flag of ["--host", "--port", "--workers", "--store", "--data-dir", "--sync", "--max-line-bytes", "--allow-cycles", "--log-level", "--tls-port", "--tls-client-auth", "--writers", "--proxy-trusted"]) {
      expect(stdout).toContain(flag);
    }
  });

  it.each([0, 3])("refuses a taken port with one line, --workers %i", async (workers) => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const { code, stderr } = await runCli(["serve", "--host", "127.0.0.1", "--port", String(port), "--admin-port", "0", "--workers", String(workers), "--store", "memory"]);
    blocker.close();
    expect(code).toBe(1);
    expectOneLine(stderr, "PKGI_PORT_IN_USE", String(port));
  });

  it("the bundled CLI refuses Node older than 24 with one line", async () => {
    const bundle = path.join(REPO_ROOT, "apps/server/dist/pkgindex.js");
    expect(existsSync(bundle), "run the build first (pnpm test does)").toBe(true);
    const { spawnSync } = await import("node:child_process");
    // The machine's own Node (20) is the old one; skip nothing: if it were
    // new enough this test would be meaningless, so assert that first.
    const old = spawnSync("/usr/bin/node", ["--version"], { encoding: "utf8" });
    expect(old.stdout.trim()).toMatch(/^v(1\d|2[0-3])\./);
    const run = spawnSync("/usr/bin/node", [bundle, "serve", "--port", "0"], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expectOneLine(run.stderr, "PKGI_NODE_VERSION", "needs Node.js 24.0 or newer");
  });

  it("the bundled CLI serves", async () => {
    const bundle = path.join(REPO_ROOT, "apps/server/dist/pkgindex.js");
    const server = await startServer(["--workers", "2", "--store", "memory"], {}, { entry: bundle });
    const c = await LineClient.connect(server.port);
    expect(await c.pipeline(["INDEX|dist-a|", "QUERY|dist-a|", "nope"])).toEqual(["OK", "OK", "ERROR"]);
    c.close();
    expect(await server.stop()).toBe(0);
  });
});

describe("environment variables", () => {
  it("ignores unknown PKGINDEX_* variables (e.g. Kubernetes service links) and a flag beats its env var", async () => {
    const server = await startServer(["--store", "memory", "--workers", "1"], {
      PKGINDEX_SERVICE_HOST: "10.0.0.1",
      PKGINDEX_SOMETHING_ELSE: "x",
      PKGINDEX_WORKERS: "2",
      PKGINDEX_ALLOW_CYCLES: "true",
    });
    const listening = await server.waitForLog((l) => l.msg === "listening");
    expect(listening.workers).toBe(1);
    const c = await LineClient.connect(server.port);
    // PKGINDEX_ALLOW_CYCLES=true took effect: a self-dependency is accepted.
    expect(await c.pipeline(["INDEX|env-a|", "INDEX|env-a|env-a"])).toEqual(["OK", "OK"]);
    c.close();
    expect(await server.stop()).toBe(0);
  });
});
