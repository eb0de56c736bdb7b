import fs from "node:fs";
import path from "node:path";
import tls from "node:tls";
import { makeTestPki, type TestPki } from "@pkgindex/server-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientTlsOptions, loadServerTls } from "../src/index.ts";

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.remove());

const files = () => ({ certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.ca });

/** The error message of loading with some files replaced, or "loaded". */
function attempt(over: Partial<ReturnType<typeof files>>, now?: Date): string {
  try {
    loadServerTls({ ...files(), ...over }, now);
    return "loaded";
  } catch (err) {
    return (err as Error).message;
  }
}

describe("loadServerTls", () => {
  it("accepts a chain, its key and a CA, and the material makes a secure context", () => {
    const material = loadServerTls(files());
    expect(material.cert).toContain("BEGIN CERTIFICATE");
    expect(() => tls.createSecureContext({ cert: material.cert, key: material.key, ca: material.ca! })).not.toThrow();
  });

  it("names the flag, the file and why: missing, not PEM, mismatched key, expired, not yet valid", () => {
    const garbage = path.join(pki.dir, "garbage.pem");
    fs.writeFileSync(garbage, "not a certificate\n");
    expect(attempt({ certFile: path.join(pki.dir, "nope.crt") })).toBe(`--tls-cert ${path.join(pki.dir, "nope.crt")}: cannot read it (no such file)`);
    expect(attempt({ certFile: garbage })).toBe(`--tls-cert ${garbage}: no PEM certificate in it`);
    expect(attempt({ keyFile: garbage })).toMatch(new RegExp(`^--tls-key ${garbage}: not a usable unencrypted PEM private key`));
    expect(attempt({ keyFile: pki.readerKey })).toBe(`--tls-key ${pki.readerKey}: the key does not match the certificate in ${pki.serverCert}`);
    expect(attempt({ caFile: garbage })).toBe(`--tls-ca ${garbage}: no PEM certificate in it`);
    expect(attempt({}, new Date(Date.now() + 3 * 86_400_000))).toMatch(/^--tls-cert .*: the certificate expired on /);
    expect(attempt({}, new Date(Date.now() - 86_400_000))).toMatch(/^--tls-cert .*: the certificate is not valid before /);
  });
});

describe("clientTlsOptions", () => {
  it("reads --ca, --cert and --key, and wants --cert and --key together", () => {
    const options = clientTlsOptions({ ca: pki.ca, cert: pki.writerCert, key: pki.writerKey, servername: "localhost" });
    expect(options).toMatchObject({ servername: "localhost", minVersion: "TLSv1.2" });
    expect(String(options.cert)).toContain("BEGIN CERTIFICATE");
    expect(() => clientTlsOptions({ cert: pki.writerCert })).toThrow(`--cert ${pki.writerCert}: needs --key too`);
    expect(() => clientTlsOptions({ ca: "/nonexistent/ca.pem" })).toThrow("--ca /nonexistent/ca.pem: cannot read it (no such file)");
  });
});
