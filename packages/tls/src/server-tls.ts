import type crypto from "node:crypto";
import type tls from "node:tls";
import { nodeCrypto, nodeTls } from "./lazy-builtins.ts";
import { parseCertificates, readPemFile, tlsFileError } from "./read-pem.ts";

export type ClientAuth = "off" | "optional" | "require";

/** The files of --tls-cert, --tls-key and --tls-ca. */
export interface ServerTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string | null;
}

/** Their PEM text, checked: plain data, so the supervisor can post it to every I/O worker. */
export interface ServerTlsMaterial {
  cert: string;
  key: string;
  ca: string | null;
}

/**
 * Reads and checks the server's TLS files: each readable and PEM, the
 * leaf certificate valid now, the key the certificate's. Throws a
 * PKGI_TLS_FILE naming the flag, the file and why; never returns material
 * a secure context would refuse.
 */
export function loadServerTls(files: ServerTlsFiles, now: Date = new Date()): ServerTlsMaterial {
  const cert = readPemFile("tls-cert", files.certFile);
  const key = readPemFile("tls-key", files.keyFile);
  const ca = files.caFile === null ? null : readPemFile("tls-ca", files.caFile);
  const leaf = parseCertificates("tls-cert", files.certFile, cert)[0];
  if (leaf.validToDate.getTime() < now.getTime()) throw tlsFileError("tls-cert", files.certFile, `the certificate expired on ${leaf.validTo}`);
  if (leaf.validFromDate.getTime() > now.getTime()) {
    throw tlsFileError("tls-cert", files.certFile, `the certificate is not valid before ${leaf.validFrom}`);
  }
  let privateKey: crypto.KeyObject;
  try {
    privateKey = nodeCrypto().createPrivateKey(key);
  } catch (err) {
    throw tlsFileError("tls-key", files.keyFile, `not a usable unencrypted PEM private key (${(err as Error).message})`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw tlsFileError("tls-key", files.keyFile, `the key does not match the certificate in ${files.certFile}`);
  }
  if (ca !== null) parseCertificates("tls-ca", files.caFile!, ca);
  const material = { cert, key, ca };
  try {
    nodeTls().createSecureContext(secureContextOptions(material));
  } catch (err) {
    throw tlsFileError("tls-cert", files.certFile, `OpenSSL refused it (${(err as Error).message})`);
  }
  return material;
}

/** TLS 1.2 at least; Node offers 1.3 first and clients that have it use it. */
export function secureContextOptions(material: ServerTlsMaterial): tls.SecureContextOptions {
  const options: tls.SecureContextOptions = { cert: material.cert, key: material.key, minVersion: "TLSv1.2" };
  if (material.ca !== null) options.ca = material.ca;
  return options;
}

/** A tls.Server that is never listened on: sockets are handed to it (`emit("connection")`) after our own accept. */
export function createHandshakeServer(material: ServerTlsMaterial, clientAuth: ClientAuth, handshakeTimeoutMs: number): tls.Server {
  return nodeTls().createServer({
    ...secureContextOptions(material),
    requestCert: clientAuth !== "off",
    rejectUnauthorized: clientAuth === "require",
    handshakeTimeout: handshakeTimeoutMs,
  });
}
