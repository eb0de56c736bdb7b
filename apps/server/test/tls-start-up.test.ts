import path from "node:path";
import { makeTestPki, type TestPki } from "@pkgindex/server-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runServeExpectingRefusal } from "./support/serve-refusal.ts";

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.remove());

const tlsArgs = (cert: string, key: string) => ["--store", "memory", "--tls-port", "0", "--tls-cert", cert, "--tls-key", key];

describe("start-up refuses bad TLS files and unsafe combinations with one line and exit 2", () => {
  it.each([0, 2])("a missing certificate and a mismatched key are named, --workers %i", async (workers) => {
    const missing = path.join(pki.dir, "missing.crt");
    const runs = [
      [await runServeExpectingRefusal(["--workers", String(workers), ...tlsArgs(missing, pki.serverKey)]), `--tls-cert ${missing}: cannot read it (no such file)`],
      [
        await runServeExpectingRefusal(["--workers", String(workers), ...tlsArgs(pki.serverCert, pki.readerKey)]),
        `--tls-key ${pki.readerKey}: the key does not match the certificate in ${pki.serverCert}`,
      ],
    ] as const;
    for (const [run, why] of runs) {
      expect(run).toMatchObject({ code: 2, listened: false });
      expect(run.stderr).toBe(`pkgindex: [PKGI_TLS_FILE] ${why}\n`);
    }
  });

  it("address rules with --proxy-protocol but no --proxy-trusted are refused (the rest of the flag rules: tls-options.test.ts)", async () => {
    const run = await runServeExpectingRefusal(["--store", "memory", "--writers", "10.0.0.0/8", "--proxy-protocol", "v2"]);
    expect(run).toMatchObject({ code: 2, listened: false });
    expect(run.stderr).toMatch(/^pkgindex: \[PKGI_BAD_OPTION\] invalid value for --writers: address rules with --proxy-protocol need --proxy-trusted[^\n]*\n$/);
  });
});
