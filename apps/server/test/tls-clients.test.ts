import { spawn } from "node:child_process";
import path from "node:path";
import { loadBrewFile, runHarness } from "@pkgindex/harness";
import { makeTestPki, type TestPki } from "@pkgindex/server-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { BREW_DATA, REPO_ROOT, startServer, type ServerProcess } from "./support/server-process.ts";
import { clientTls, tlsServeArgs } from "./support/tls.ts";

// The bundle when it is current (about twice as quick to start), else the sources.
const ENTRY = pkgindexEntry().file;

// The harness, its CLI and `pkgindex client` speaking TLS with client
// certificates to a server that requires them and lets only cn:writer write.
const data = loadBrewFile(BREW_DATA);
const HARNESS_CLI = path.join(REPO_ROOT, "apps/harness/src/bin.ts");

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.remove());

function run(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** `pkgindex client` flags for `who`'s certificate against `port`. */
function tlsFlags(port: number, who: "writer" | "reader"): string[] {
  return [
    "--port", String(port), "--tls", "--ca", pki.ca, "--servername", "localhost",
    "--cert", who === "writer" ? pki.writerCert : pki.readerCert, "--key", who === "writer" ? pki.writerKey : pki.readerKey,
  ];
}

describe.each([0, 3])("clients over TLS, --workers %i", (workers) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(["--workers", String(workers), "--store", "memory", "--writers", "cn:writer", ...tlsServeArgs(pki, "require")], {}, { entry: ENTRY });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("the harness passes the challenge phases at concurrency 100 over TLS with the writer's certificate", async () => {
    const result = await runHarness({
      host: "127.0.0.1",
      port: server.tlsPort,
      tls: { ...clientTls(pki, "writer"), servername: "localhost" },
      data,
      concurrency: 100,
      seed: 17,
      unluckiness: 5,
      disconnects: 0,
      pipeline: 1,
      timeoutSeconds: 30,
    });
    expect(JSON.stringify(result.failure)).toBe("null");
    expect(result.phases[1].ok).toBe(3370);
    expect(result.phases[4].fail).toBe(3370);
  });

  it("pkgindex client --tls: the writer's INDEX is OK (exit 0), the reader's is ERROR (exit 3), its QUERY works", async () => {
    expect(await run(ENTRY, ["client", ...tlsFlags(server.tlsPort, "writer"), "INDEX", "tls-cli"])).toMatchObject({ code: 0, stdout: "OK\n" });
    expect(await run(ENTRY, ["client", ...tlsFlags(server.tlsPort, "reader"), "INDEX", "tls-cli-reader"])).toMatchObject({ code: 3, stdout: "ERROR\n" });
    expect(await run(ENTRY, ["client", ...tlsFlags(server.tlsPort, "reader"), "QUERY", "tls-cli"])).toMatchObject({ code: 0, stdout: "OK\n" });
  });
});

describe("client TLS flags", () => {
  it("the harness CLI runs over TLS, and refuses --ca without --tls with exit 2", async () => {
    const server = await startServer(["--workers", "0", "--store", "memory", ...tlsServeArgs(pki, "off")], {}, { entry: ENTRY });
    const ok = await run(HARNESS_CLI, ["--port", String(server.tlsPort), "--tls", "--ca", pki.ca, "--servername", "localhost", "--packages", "200", "--concurrency", "10"]);
    expect({ code: ok.code, stderr: ok.stderr }).toMatchObject({ code: 0 });
    const bad = await run(HARNESS_CLI, ["--port", String(server.tlsPort), "--ca", pki.ca]);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toContain("--ca: it needs --tls");
    const client = await run(ENTRY, ["client", "--port", String(server.tlsPort), "--key", pki.readerKey, "QUERY", "x"]);
    expect(client.code).toBe(2);
    expect(client.stderr).toContain("--key: it needs --tls");
    expect(await server.stop()).toBe(0);
  });
});
