import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort, makeTestPki, type TestPki } from "@pkgindex/server-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHaproxy, type RunningHaproxy } from "./support/haproxy.ts";
import { LineClient } from "./support/line-client.ts";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";
import { REPO_ROOT, startServer, type ServerProcess } from "./support/server-process.ts";
import { clientTls, tlsServeArgs } from "./support/tls.ts";

// The bundle when it is current (about twice as quick to start), else the sources.
const ENTRY = pkgindexEntry().file;

// Debian's HAProxy running docker/haproxy-tls.cfg on loopback: one port
// passes TLS through to pkgindex's --tls-port, the other terminates TLS and
// tells pkgindex the verified CN (send-proxy-v2-ssl-cn). In both, pkgindex's
// --writers cn:writer decides who writes.
const CONFIG = path.join(REPO_ROOT, "docker/haproxy-tls.cfg");

describe.each([0, 3])("behind HAProxy: TLS passthrough and TLS termination with send-proxy-v2-ssl-cn, --workers %i", (workers) => {
  let pki: TestPki;
  let server: ServerProcess;
  let haproxy: RunningHaproxy;
  let env: Record<string, string>;
  let passthrough: number;
  let terminated: number;

  beforeAll(async () => {
    pki = makeTestPki();
    const crt = path.join(pki.dir, "haproxy.pem");
    fs.writeFileSync(crt, fs.readFileSync(pki.serverCert, "utf8") + fs.readFileSync(pki.serverKey, "utf8"));
    server = await startServer(
      [
        "--workers", String(workers), "--store", "memory", "--log-level", "debug", "--proxy-protocol", "v2", "--proxy-trusted", "127.0.0.1/32",
        "--writers", "cn:writer", ...tlsServeArgs(pki, "require"),
      ],
      {},
      { admin: true, entry: ENTRY },
    );
    passthrough = await freePort();
    env = {
      HAPROXY_PASSTHROUGH_PORT: String(passthrough),
      HAPROXY_CRT: crt,
      HAPROXY_CA: pki.ca,
      PKGINDEX_BACKEND_ADDR: "127.0.0.1",
      PKGINDEX_BACKEND_PORT: String(server.port),
      PKGINDEX_BACKEND_TLS_PORT: String(server.tlsPort),
      PKGINDEX_ADMIN_PORT: String(server.adminPort),
    };
    // The helper binds the terminating port (HAPROXY_BIND_PORT); the probe waits for both fronts.
    haproxy = await startHaproxy("haproxy-tls.cfg", env, async (bound) => {
      for (const port of [passthrough, bound]) {
        const c = await LineClient.connectTls(port, clientTls(pki, "reader"));
        try {
          await c.send("QUERY|probe|");
        } finally {
          c.close();
        }
      }
    });
    terminated = haproxy.port;
  });

  afterAll(async () => {
    await haproxy?.stop();
    expect(await server.stop()).toBe(0);
    pki.remove();
  });

  it("haproxy -c accepts docker/haproxy-tls.cfg", () => {
    const check = spawnSync("haproxy", ["-c", "-dW", "-f", CONFIG], {
      encoding: "utf8",
      env: { ...process.env, ...env, HAPROXY_BIND_ADDR: "127.0.0.1", HAPROXY_BIND_PORT: String(terminated) },
    });
    expect({ status: check.status, output: check.stdout + check.stderr }).toMatchObject({ status: 0 });
  });

  it.each([
    ["passthrough", () => passthrough],
    ["termination", () => terminated],
  ])("%s: the reader may QUERY but not write, the writer may write; the client's own address is logged", async (_how, port) => {
    const writer = await LineClient.connectTls(port(), clientTls(pki, "writer"));
    const reader = await LineClient.connectTls(port(), clientTls(pki, "reader"));
    const name = `via-${_how}`;
    expect(await reader.pipeline([`INDEX|${name}|`, `QUERY|${name}|`])).toEqual(["ERROR", "FAIL"]);
    expect(await writer.pipeline([`INDEX|${name}|`, `QUERY|${name}|`])).toEqual(["OK", "OK"]);
    expect(await reader.send(`QUERY|${name}|`)).toBe("OK");
    const client = `127.0.0.1:${writer.socket.localPort}`;
    const opened = await server.waitForLog((l) => l.msg === "connection opened" && l.client === client);
    expect(opened).toMatchObject({ identity: ["writer"], mayWrite: true });
    writer.close();
    reader.close();
  });

  it("termination: HAProxy refuses a client without a certificate, or with one from another CA", async () => {
    for (const who of ["anonymous", "stranger"] as const) {
      const attempt = await LineClient.connectTls(terminated, clientTls(pki, who)).then(
        (c) => c.send("QUERY|probe|").then((reply) => `served: ${reply}`, () => "closed"),
        () => "refused",
      );
      expect(attempt).not.toMatch(/^served/);
    }
  });
});
