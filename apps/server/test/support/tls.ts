import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import type { TestPki } from "@pkgindex/server-process";

/** `serve` flags for a TLS port on any free port with the PKI's server certificate (chain) and, unless off, client certificates from its CA. */
export function tlsServeArgs(pki: TestPki, clientAuth: "off" | "optional" | "require" = "require"): string[] {
  const auth = clientAuth === "off" ? [] : ["--tls-ca", pki.ca, "--tls-client-auth", clientAuth];
  return ["--tls-port", "0", "--tls-cert", pki.serverCert, "--tls-key", pki.serverKey, ...auth];
}

export type Who = "writer" | "reader" | "stranger" | "anonymous";

/** tls.connect options that trust the PKI's CA and present `who`'s certificate (none for anonymous). */
export function clientTls(pki: TestPki, who: Who): tls.ConnectionOptions {
  const ca = fs.readFileSync(pki.ca);
  if (who === "anonymous") return { ca };
  const [cert, key] = who === "writer" ? [pki.writerCert, pki.writerKey] : who === "reader" ? [pki.readerCert, pki.readerKey] : [pki.strangerCert, pki.strangerKey];
  return { ca, cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
}

/** The bytes of a real ClientHello, as Node's TLS client sends it (captured by a listener that answers nothing). */
export function captureClientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => {
      s.once("data", (hello: Buffer) => {
        resolve(hello);
        s.destroy();
        server.close();
      });
    });
    server.listen(0, "127.0.0.1", () => {
      const client = tls.connect({ port: (server.address() as net.AddressInfo).port, host: "127.0.0.1", servername: "localhost" });
      client.on("error", () => undefined);
    });
    server.on("error", reject);
  });
}

/** Resolves when `socket` closes; the reply bytes it got before, as text. */
export function closedWith(socket: net.Socket): Promise<string> {
  let got = "";
  socket.on("data", (d: Buffer) => (got += d.toString("latin1")));
  socket.on("error", () => undefined);
  return new Promise((resolve) => socket.once("close", () => resolve(got)));
}

/** One counter of a Prometheus exposition (0 when absent). */
export function series(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}
