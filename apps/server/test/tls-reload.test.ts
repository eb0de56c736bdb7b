import fs from "node:fs";
import path from "node:path";
import type tls from "node:tls";
import { makeTestPki, type TestPki } from "@pkgindex/server-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { startServer } from "./support/server-process.ts";

// The bundle when it is current (about twice as quick to start), else the sources.
const ENTRY = pkgindexEntry().file;

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.remove());

/** The CN of the certificate the server presents to a new connection, and that connection. */
async function served(port: number): Promise<{ cn: string; client: LineClient }> {
  const client = await LineClient.connectTls(port, { ca: fs.readFileSync(pki.ca) });
  return { cn: String((client.socket as tls.TLSSocket).getPeerCertificate().subject.CN), client };
}

describe.each([0, 3])("SIGHUP reloads the certificate, --workers %i", (workers) => {
  it("new connections get the new certificate, an open one keeps working, a bad file keeps the old one", async () => {
    const dir = fs.mkdtempSync(path.join(pki.dir, "live-"));
    const cert = path.join(dir, "server.crt");
    const key = path.join(dir, "server.key");
    fs.copyFileSync(pki.serverCert, cert);
    fs.copyFileSync(pki.serverKey, key);
    const server = await startServer(["--workers", String(workers), "--store", "memory", "--tls-port", "0", "--tls-cert", cert, "--tls-key", key], {}, { entry: ENTRY });
    const old = await served(server.tlsPort);
    expect(old.cn).toBe("localhost");
    expect(await old.client.send("INDEX|before-reload|")).toBe("OK");

    fs.copyFileSync(pki.reloadedCert, cert);
    fs.copyFileSync(pki.reloadedKey, key);
    server.child.kill("SIGHUP");
    await server.waitForLog((l) => l.msg === "TLS certificate, key and CA reloaded");
    // Several connections, so that every I/O worker's context is seen.
    const fresh = await Promise.all(Array.from({ length: 8 }, () => served(server.tlsPort)));
    expect(fresh.map((f) => f.cn)).toEqual(Array(8).fill("localhost-reloaded"));
    expect(await old.client.send("QUERY|before-reload|")).toBe("OK");

    fs.writeFileSync(key, "not a key\n");
    server.child.kill("SIGHUP");
    const failed = await server.waitForLog((l) => typeof l.msg === "string" && l.msg.startsWith("TLS reload failed"));
    expect(failed).toMatchObject({ level: 50, code: "PKGI_TLS_FILE" });
    expect(failed.msg).toContain(`--tls-key ${key}:`);
    expect(server.logs.filter((l) => typeof l.msg === "string" && l.msg.startsWith("TLS reload failed"))).toHaveLength(1);
    const after = await Promise.all(Array.from({ length: 8 }, () => served(server.tlsPort)));
    expect(after.map((f) => f.cn)).toEqual(Array(8).fill("localhost-reloaded"));
    expect(await after[0].client.send("QUERY|before-reload|")).toBe("OK");
    for (const c of [old, ...fresh, ...after]) c.client.close();
    expect(await server.stop()).toBe(0);
  });
});
