import type crypto from "node:crypto";
import fs from "node:fs";
import { PkgIndexError } from "@pkgindex/errors";
import { nodeCrypto } from "./lazy-builtins.ts";

/** The error for a TLS file: one line naming the flag, the file and why. */
export function tlsFileError(option: string, path: string, reason: string): PkgIndexError {
  return new PkgIndexError("PKGI_TLS_FILE", { option, path, reason });
}

/** Reads a PEM file; a missing or unreadable one is a PKGI_TLS_FILE naming it. */
export function readPemFile(option: string, path: string): string {
  try {
    return fs.readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : (code ?? String(err));
    throw tlsFileError(option, path, `cannot read it (${why})`);
  }
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM text, in order (a chain: leaf first). */
export function parseCertificates(option: string, path: string, pem: string): crypto.X509Certificate[] {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) throw tlsFileError(option, path, "no PEM certificate in it");
  return blocks.map((block, i) => {
    try {
      return new (nodeCrypto().X509Certificate)(block);
    } catch (err) {
      throw tlsFileError(option, path, `certificate ${i + 1} is not valid PEM (${(err as Error).message})`);
    }
  });
}
