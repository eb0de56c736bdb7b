import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Paths of a throwaway PKI made by `openssl` (EC P-256: quick to make, cheap to handshake). */
export interface TestPki {
  dir: string;
  /** The CA that --tls-ca names. */
  ca: string;
  /** Server certificate for localhost / 127.0.0.1 (and its chain: leaf then CA), and its key. */
  serverCert: string;
  serverKey: string;
  /** A second server certificate (CN localhost-reloaded), for SIGHUP reload tests. */
  reloadedCert: string;
  reloadedKey: string;
  /** Client certificates from the CA: CN "writer" and CN "reader". */
  writerCert: string;
  writerKey: string;
  readerCert: string;
  readerKey: string;
  /** CN "writer" again, but from another CA: must not pass verification. */
  strangerCert: string;
  strangerKey: string;
  /** The other CA itself. */
  otherCa: string;
  /** Removes the directory. */
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

function makeCa(dir: string, name: string, cn: string): void {
  openssl(dir, ["req", "-x509", ...EC, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-subj", `/CN=${cn}`, "-days", "2"]);
}

function issue(dir: string, ca: string, name: string, cn: string, extensions: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, ["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`]);
  openssl(dir, [
    "x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial",
    "-out", `${name}.crt`, "-days", "1", "-extfile", `${name}.ext`,
  ]);
}

const SERVER_EXT = "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
const CLIENT_EXT = "extendedKeyUsage=clientAuth\n";

/**
 * Makes a CA, server certificates and the `writer`/`reader` client
 * certificates in a fresh temporary directory, with the openssl commands
 * docs/OPERATIONS.md shows.
 */
export function makeTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pkgindex-pki-"));
  makeCa(dir, "ca", "pkgindex test CA");
  makeCa(dir, "other-ca", "some other CA");
  issue(dir, "ca", "server", "localhost", SERVER_EXT);
  issue(dir, "ca", "reloaded", "localhost-reloaded", SERVER_EXT);
  issue(dir, "ca", "writer", "writer", CLIENT_EXT);
  issue(dir, "ca", "reader", "reader", CLIENT_EXT);
  issue(dir, "other-ca", "stranger", "writer", CLIENT_EXT);
  // The served file is the chain, leaf first, as operators deploy it.
  const ca = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
  for (const name of ["server", "reloaded"]) {
    fs.writeFileSync(path.join(dir, `${name}-chain.crt`), fs.readFileSync(path.join(dir, `${name}.crt`), "utf8") + ca);
  }
  const at = (file: string) => path.join(dir, file);
  return {
    dir,
    ca: at("ca.crt"),
    serverCert: at("server-chain.crt"),
    serverKey: at("server.key"),
    reloadedCert: at("reloaded-chain.crt"),
    reloadedKey: at("reloaded.key"),
    writerCert: at("writer.crt"),
    writerKey: at("writer.key"),
    readerCert: at("reader.crt"),
    readerKey: at("reader.key"),
    strangerCert: at("stranger.crt"),
    strangerKey: at("stranger.key"),
    otherCa: at("other-ca.crt"),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
