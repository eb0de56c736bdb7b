import net from "node:net";
import { makeTestPki, type TestPki } from "@pkgindex/server-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { adminGet, startServer, type ServerProcess } from "./support/server-process.ts";
import { captureClientHello, clientTls, closedWith, series, tlsServeArgs } from "./support/tls.ts";

// The bundle when it is current (about twice as quick to start), else the sources.
const ENTRY = pkgindexEntry().file;

let pki: TestPki;
let hello: Buffer;
beforeAll(async () => {
  pki = makeTestPki();
  hello = await captureClientHello();
});
afterAll(() => pki.remove());

const rejected = (reason: string) => `pkgindex_connections_rejected_total{reason="${reason}"}`;

describe.each([0, 3])("TLS with required client certificates and --writers cn:writer, --workers %i", (workers) => {
  let server: ServerProcess;
  const metrics = async () => (await adminGet(server.adminPort, "/metrics")).body;

  beforeAll(async () => {
    server = await startServer(
      ["--workers", String(workers), "--store", "memory", "--log-level", "debug", "--writers", "cn:writer", ...tlsServeArgs(pki, "require")],
      {},
      { admin: true, entry: ENTRY },
    );
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("the writer INDEXes and QUERYs over TLS 1.3; its identity is in the connection log", async () => {
    const c = await LineClient.connectTls(server.tlsPort, clientTls(pki, "writer"));
    expect((c.socket as import("node:tls").TLSSocket).getProtocol()).toBe("TLSv1.3");
    expect(await c.pipeline(["INDEX|tls-base|", "INDEX|tls-app|tls-base", "QUERY|tls-app|", "QUERY|tls-none|"])).toEqual(["OK", "OK", "OK", "FAIL"]);
    const client = `127.0.0.1:${c.socket.localPort}`;
    const opened = await server.waitForLog((l) => l.msg === "connection opened" && l.client === client);
    expect(opened).toMatchObject({ identity: ["writer"], tls: "TLSv1.3", mayWrite: true });
    c.close();
  });

  it("TLS 1.2 is accepted; older is not", async () => {
    const v12 = await LineClient.connectTls(server.tlsPort, { ...clientTls(pki, "writer"), maxVersion: "TLSv1.2" });
    expect(await v12.send("QUERY|tls-base|")).toBe("OK");
    v12.close();
    // SECLEVEL=0 lets this client offer TLS 1.1, so the refusal is the server's (alert 70, protocol_version).
    const old = { ...clientTls(pki, "writer"), minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" } as const;
    await expect(LineClient.connectTls(server.tlsPort, old)).rejects.toThrow(/alert protocol version/);
  });

  it("the reader's INDEX and REMOVE get ERROR and change nothing; its QUERY works; denials are counted and logged", async () => {
    const before = await metrics();
    const reader = await LineClient.connectTls(server.tlsPort, clientTls(pki, "reader"));
    expect(await reader.pipeline(["INDEX|tls-denied|", "REMOVE|tls-app|", "QUERY|tls-app|", "QUERY|tls-denied|"])).toEqual([
      "ERROR",
      "ERROR",
      "OK",
      "FAIL",
    ]);
    const after = await metrics();
    expect(series(after, 'pkgindex_denied_total{command="INDEX"}') - series(before, 'pkgindex_denied_total{command="INDEX"}')).toBe(1);
    expect(series(after, 'pkgindex_denied_total{command="REMOVE"}') - series(before, 'pkgindex_denied_total{command="REMOVE"}')).toBe(1);
    // No name in the metrics: only counts.
    expect(after).not.toMatch(/reader/);
    const warned = await server.waitForLog((l) => l.msg?.toString().startsWith("write denied") === true);
    expect(warned).toMatchObject({ identity: ["reader"], level: 40 });
    const writer = await LineClient.connectTls(server.tlsPort, clientTls(pki, "writer"));
    expect(await writer.pipeline(["QUERY|tls-denied|", "QUERY|tls-app|", "INDEX|tls-denied|"])).toEqual(["FAIL", "OK", "OK"]);
    reader.close();
    writer.close();
  });

  it("plain TCP clients have no certificate: they may QUERY, not write", async () => {
    const c = await LineClient.connect(server.port);
    expect(await c.pipeline(["QUERY|tls-app|", "INDEX|plain-denied|"])).toEqual(["OK", "ERROR"]);
    c.close();
  });

  it("without a client certificate, or with one from another CA, the handshake fails; others are served", async () => {
    const keeper = await LineClient.connectTls(server.tlsPort, clientTls(pki, "writer"));
    const before = series(await metrics(), rejected("tls_handshake"));
    for (const who of ["anonymous", "stranger"] as const) {
      // TLS 1.3: the client's side may finish before the server's verdict; no request is ever served.
      const attempt = await LineClient.connectTls(server.tlsPort, clientTls(pki, who)).then(
        (c) => c.send("QUERY|tls-app|").then((reply) => `served: ${reply}`, () => "closed"),
        () => "refused",
      );
      expect(attempt).not.toMatch(/^served/);
    }
    expect(series(await metrics(), rejected("tls_handshake")) - before).toBe(2);
    expect(await keeper.send("QUERY|tls-app|")).toBe("OK");
    keeper.close();
  });

  it("plaintext bytes and a truncated ClientHello on the TLS port close that connection and nothing else", async () => {
    const keeper = await LineClient.connectTls(server.tlsPort, clientTls(pki, "writer"));
    const plain = net.connect(server.tlsPort, "127.0.0.1", () => plain.write("INDEX|over-plaintext|\n"));
    expect(await closedWith(plain)).not.toContain("OK");
    const truncated = net.connect(server.tlsPort, "127.0.0.1", () => truncated.write(hello.subarray(0, hello.length >> 1), () => truncated.end()));
    expect(await closedWith(truncated)).toBe("");
    expect(await keeper.pipeline(["QUERY|tls-app|", "QUERY|over-plaintext|"])).toEqual(["OK", "FAIL"]);
    keeper.close();
  });

  it("a client that sends its lines and then closes its side gets every reply (half-close over TLS)", async () => {
    const c = await LineClient.connectTls(server.tlsPort, clientTls(pki, "writer"));
    c.socket.end("QUERY|tls-app|\nINDEX|tls-half|\nQUERY|tls-half|\n");
    await c.waitForClose();
    expect(c.replies).toEqual(["OK", "OK", "OK"]);
  });

  it("garbage after a finished handshake gets ERROR, as on plain TCP, and the connection stays", async () => {
    const c = await LineClient.connectTls(server.tlsPort, clientTls(pki, "writer"));
    expect(await c.pipeline(["\u0016\u0003\u0001garbage|", "INDEX|a b|", "QUERY|tls-app|"])).toEqual(["ERROR", "ERROR", "OK"]);
    c.close();
  });
});
