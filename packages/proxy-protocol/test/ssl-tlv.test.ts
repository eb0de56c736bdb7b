import { describe, expect, it } from "vitest";
import { everySplit, feed } from "./feed.ts";
import { tlv, v2Ipv4, withTlvs } from "./library-headers.ts";

// PP2_TYPE_SSL as HAProxy's send-proxy-v2-ssl-cn writes it (proxy-protocol.txt
// §2.2.5): client bits, a 32-bit verify result, then sub-TLVs.
function ssl(client: number, verify: number, subs: Buffer[]): Buffer {
  const fixed = Buffer.alloc(5);
  fixed[0] = client;
  fixed.writeUInt32BE(verify, 1);
  return tlv(0x20, Buffer.concat([fixed, ...subs]));
}
const CN = (name: string) => tlv(0x22, Buffer.from(name));
const VERSION = tlv(0x21, Buffer.from("TLSv1.3"));
const header = (tlvs: Buffer) => withTlvs(v2Ipv4([192, 0, 2, 1], 4000, [192, 0, 2, 2], 8080, "QUERY|a|\n"), 12, tlvs);

describe("PROXY v2 PP2_TYPE_SSL", () => {
  it("reads the CN, the version and a passed verification, at every split", () => {
    const bytes = header(Buffer.concat([tlv(0x02, Buffer.from("authority")), ssl(0x01 | 0x02, 0, [VERSION, CN("writer")])]));
    for (const chunks of everySplit(bytes)) {
      const out = feed(chunks);
      expect(out.status).toBe("done");
      expect(out.info?.ssl).toEqual({ clientCertificate: true, verified: true, cn: "writer", version: "TLSv1.3" });
      expect(out.info?.sourceAddress).toBe("192.0.2.1");
      expect(out.data).toBe("QUERY|a|\n");
    }
  });

  it("reports a failed verification and a session without a certificate", () => {
    expect(feed([header(ssl(0x03, 1, [CN("writer")]))]).info?.ssl).toEqual({ clientCertificate: true, verified: false, cn: "writer" });
    expect(feed([header(ssl(0x01, 0, []))]).info?.ssl).toEqual({ clientCertificate: false, verified: true });
    // Session resumed with a certificate (PP2_CLIENT_CERT_SESS) counts as presented.
    expect(feed([header(ssl(0x05, 0, [CN("r")]))]).info?.ssl?.clientCertificate).toBe(true);
  });

  it("no SSL TLV: no ssl field", () => {
    expect(feed([header(tlv(0x04, Buffer.alloc(3)))]).info?.ssl).toBeUndefined();
  });

  it("refuses an SSL TLV shorter than its fixed part, or a sub-TLV that overruns it", () => {
    const short = feed([header(tlv(0x20, Buffer.from([1, 0, 0])))]);
    expect(short).toMatchObject({ status: "error", code: "PKGI_PROXY_BAD_V2" });
    const overrun = ssl(0x01, 0, [CN("writer")]);
    overrun.writeUInt16BE(overrun.readUInt16BE(1) - 2, 1);
    const cut = feed([header(Buffer.concat([overrun, Buffer.alloc(2)]))]);
    expect(cut).toMatchObject({ status: "error", code: "PKGI_PROXY_BAD_V2" });
  });
});
