import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { adminGet, startServer, type ServerProcess } from "./support/server-process.ts";
import { closedWith, series } from "./support/tls.ts";

// The bundle when it is current (about twice as quick to start), else the sources.
const ENTRY = pkgindexEntry().file;

/** A PROXY v2 header (TCP over IPv4) from `src`, with TLVs after the addresses. */
function v2(src: [number, number, number, number], tlvs: Buffer = Buffer.alloc(0)): Buffer {
  const fixed = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0, 0]);
  fixed.writeUInt16BE(12 + tlvs.length, 14);
  const addresses = Buffer.from([...src, 127, 0, 0, 1, 0x10, 0x00, 0x1f, 0x90]);
  return Buffer.concat([fixed, addresses, tlvs]);
}

/** PP2_TYPE_SSL as HAProxy's send-proxy-v2-ssl-cn writes it: a client certificate, the verify result, its CN. */
function sslTlv(cn: string, verify: number): Buffer {
  const sub = Buffer.concat([Buffer.from([0x22, 0, cn.length]), Buffer.from(cn)]);
  const value = Buffer.concat([Buffer.from([0x01 | 0x02, 0, 0, 0, verify]), sub]);
  return Buffer.concat([Buffer.from([0x20, value.length >> 8, value.length & 0xff]), value]);
}

/** Sends a header then lines on a fresh connection; the replies. */
async function through(port: number, header: Buffer, lines: string[]): Promise<string[]> {
  const c = await LineClient.connect(port);
  c.write(header);
  const replies = await c.pipeline(lines);
  c.close();
  return replies;
}

describe.each([0, 3])("address rules, --workers %i", (workers) => {
  it("without PROXY: the peer's own address decides", async () => {
    const allowed = await startServer(["--workers", String(workers), "--store", "memory", "--writers", "127.0.0.0/8"], {}, { entry: ENTRY });
    const denied = await startServer(["--workers", String(workers), "--store", "memory", "--writers", "10.0.0.0/8,cn:writer"], {}, { entry: ENTRY });
    for (const [server, expected] of [[allowed, "OK"], [denied, "ERROR"]] as const) {
      const c = await LineClient.connect(server.port);
      expect(await c.pipeline(["INDEX|addr|", "QUERY|addr|"])).toEqual([expected, expected === "OK" ? "OK" : "FAIL"]);
      c.close();
      expect(await server.stop()).toBe(0);
    }
  });

  describe("behind a trusted PROXY sender", () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServer(
        [
          "--workers", String(workers), "--store", "memory", "--proxy-protocol", "v2", "--log-level", "debug",
          "--proxy-trusted", "127.0.0.1/32", "--writers", "203.0.113.0/24,cn:writer",
        ],
        {},
        { admin: true, entry: ENTRY },
      );
    });
    afterAll(async () => {
      expect(await server.stop()).toBe(0);
    });

    it("the header's source address decides, not the peer's", async () => {
      expect(await through(server.port, v2([203, 0, 113, 9]), ["INDEX|via-writer-range|", "QUERY|via-writer-range|"])).toEqual(["OK", "OK"]);
      expect(await through(server.port, v2([198, 51, 100, 1]), ["INDEX|via-other|", "REMOVE|via-writer-range|", "QUERY|via-writer-range|"])).toEqual([
        "ERROR",
        "ERROR",
        "OK",
      ]);
    });

    it("a CN the sender verified (PP2_TYPE_SSL) matches cn: rules; an unverified one does not", async () => {
      expect(await through(server.port, v2([198, 51, 100, 2], sslTlv("writer", 0)), ["INDEX|via-cn|"])).toEqual(["OK"]);
      expect(await through(server.port, v2([198, 51, 100, 3], sslTlv("writer", 1)), ["INDEX|via-bad-cn|"])).toEqual(["ERROR"]);
      expect(await through(server.port, v2([198, 51, 100, 4], sslTlv("reader", 0)), ["INDEX|via-reader|"])).toEqual(["ERROR"]);
    });
  });

  it("a PROXY header from a peer outside --proxy-trusted is refused with one warn line, and counted", async () => {
    const server = await startServer(
      ["--workers", String(workers), "--store", "memory", "--proxy-protocol", "v2", "--proxy-trusted", "192.0.2.10/32", "--writers", "203.0.113.0/24"],
      {},
      { admin: true, entry: ENTRY },
    );
    for (let i = 0; i < 3; i++) {
      const s = net.connect(server.port, "127.0.0.1", () => s.write(Buffer.concat([v2([203, 0, 113, 9]), Buffer.from("INDEX|claimed|\n")])));
      expect(await closedWith(s)).toBe("");
    }
    const text = (await adminGet(server.adminPort, "/metrics")).body;
    expect(series(text, 'pkgindex_connections_rejected_total{reason="proxy_untrusted"}')).toBe(3);
    await server.waitForLog((l) => l.limit === "proxy_untrusted");
    // Rate-limited per thread: at most one line per I/O thread.
    expect(server.logs.filter((l) => l.limit === "proxy_untrusted").length).toBeLessThanOrEqual(Math.max(1, workers));
    expect(await server.stop()).toBe(0);
  });
});
