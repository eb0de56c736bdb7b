import net from "node:net";
import { makeTestPki, type TestPki } from "@pkgindex/server-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { adminGet, startServer } from "./support/server-process.ts";
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

const PARKED = 1000;
const timeouts = 'pkgindex_connections_rejected_total{reason="tls_handshake_timeout"}';

/** Opens a TCP connection to the TLS port that sends part of a ClientHello and then waits. */
function park(port: number): Promise<{ closed: Promise<string> }> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(hello.subarray(0, 40), () => resolve({ closed })));
    // One over --max-connections may be closed before the write is done.
    const closed = closedWith(s);
    closed.then(() => resolve({ closed }));
  });
}

describe.each([0, 3])("--tls-handshake-timeout, --workers %i", (workers) => {
  it(`${PARKED} connections parked mid-handshake are closed by the timeout while others are served`, async () => {
    const server = await startServer(
      ["--workers", String(workers), "--store", "memory", "--tls-handshake-timeout", "2", "--max-connections", String(PARKED + 10), ...tlsServeArgs(pki, "optional")],
      {},
      { admin: true, entry: ENTRY },
    );
    const parked = await Promise.all(Array.from({ length: PARKED }, () => park(server.tlsPort)));
    // While they are parked, a real client is served, over TLS and plain TCP.
    const c = await LineClient.connectTls(server.tlsPort, clientTls(pki, "writer"));
    expect(await c.pipeline(["INDEX|served-while-parked|", "QUERY|served-while-parked|"])).toEqual(["OK", "OK"]);
    const plain = await LineClient.connect(server.port);
    expect(await plain.send("QUERY|served-while-parked|")).toBe("OK");
    expect(await Promise.all(parked.map((p) => p.closed))).toEqual(Array(PARKED).fill(""));
    expect(series((await adminGet(server.adminPort, "/metrics")).body, timeouts)).toBe(PARKED);
    // The served connections outlive the timeout: it bounds handshakes only.
    expect(await c.send("QUERY|served-while-parked|")).toBe("OK");
    c.close();
    plain.close();
    expect(await server.stop()).toBe(0);
  });

  it("half-finished handshakes count against --max-connections", async () => {
    const server = await startServer(
      ["--workers", String(workers), "--store", "memory", "--tls-handshake-timeout", "1", "--max-connections", "3", ...tlsServeArgs(pki, "off")],
      {},
      { admin: true, entry: ENTRY },
    );
    const parked = await Promise.all(Array.from({ length: 4 }, () => park(server.tlsPort)));
    // One of the four is over the limit and closed at once; the other three by the timeout.
    await Promise.all(parked.map((p) => p.closed));
    const text = (await adminGet(server.adminPort, "/metrics")).body;
    expect(series(text, 'pkgindex_connections_rejected_total{reason="max_connections"}')).toBe(1);
    expect(series(text, timeouts)).toBe(3);
    // Once they are gone there is room again.
    const c = await LineClient.connectTls(server.tlsPort, clientTls(pki, "anonymous"));
    expect(await c.send("INDEX|room-again|")).toBe("OK");
    c.close();
    expect(await server.stop()).toBe(0);
  });
});
