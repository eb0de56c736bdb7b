import { describe, expect, it } from "vitest";
import { expectOneLine } from "./support/index-files.ts";
import { LineClient } from "./support/line-client.ts";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { runCli, startServer } from "./support/server-process.ts";

// The bundle when it is fresh (about twice as fast to start), else the source.
const ENTRY = pkgindexEntry().file;

describe("errors caused by environment variables name the variable", () => {
  it.each([
    [{ PKGINDEX_PORT: "tcp://10.0.0.1:8080" }, ["PKGINDEX_PORT", "--port", "tcp://10.0.0.1:8080", "enableServiceLinks"]],
    [{ PKGINDEX_PORT: "70000" }, ["PKGINDEX_PORT", "65535"]],
    [{ PKGINDEX_ALLOW_CYCLES: "ture" }, ["PKGINDEX_ALLOW_CYCLES", "true or false", '"ture"']],
    [{ PKGINDEX_STORE: "foo" }, ["PKGINDEX_STORE", "sqlite, memory"]],
    [{ PKGINDEX_MAX_LINE_BYTES: "12" }, ["PKGINDEX_MAX_LINE_BYTES", "--max-line-bytes"]],
    [{ PKGINDEX_WORKERS: "many" }, ["PKGINDEX_WORKERS"]],
  ])("%j: one line, PKGI_BAD_ENV, exit 2", async (env, mentions) => {
    const run = await runCli(["serve", "--admin-port", "0"], env, ENTRY);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr, "[PKGI_BAD_ENV]", ...mentions);
  });

  it("a bad value on the command line is blamed on the flag, even when its variable is set too", async () => {
    const run = await runCli(["serve", "--port", "70001"], { PKGINDEX_PORT: "70000" }, ENTRY);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr, "[PKGI_BAD_OPTION]", "--port", "70001");
    expect(run.stderr).not.toContain("PKGINDEX_PORT");
  });

  it.each([
    ["off", ["OK", "FAIL"]],
    ["YES", ["OK", "OK"]],
  ])("PKGINDEX_ALLOW_CYCLES=%s is read as a boolean", async (value, replies) => {
    const server = await startServer(["--store", "memory", "--workers", "0"], { PKGINDEX_ALLOW_CYCLES: value }, { entry: ENTRY });
    const c = await LineClient.connect(server.port);
    expect(await c.pipeline(["INDEX|self|", "INDEX|self|self"])).toEqual(replies);
    c.close();
    expect(await server.stop()).toBe(0);
  });

  it("a flag on the command line wins over a broken variable (a Kubernetes service link can be overridden)", async () => {
    const server = await startServer(["--store", "memory", "--workers", "0"], { PKGINDEX_PORT: "tcp://10.0.0.1:8080", PKGINDEX_SERVICE_HOST: "10.0.0.1" }, { entry: ENTRY });
    const c = await LineClient.connect(server.port);
    expect(await c.send("QUERY|x|")).toBe("FAIL");
    c.close();
    expect(await server.stop()).toBe(0);
  });
});
