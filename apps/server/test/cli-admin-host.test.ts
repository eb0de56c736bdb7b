import net from "node:net";
import { describe, expect, it } from "vitest";
import { canConnect, startLoggingServer } from "@pkgindex/server-process";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";

const ENTRY = pkgindexEntry().file;

/**
 * A free port below Linux's ephemeral range (32768-60999): no server that
 * another test starts with `--port 0` can be given it while this one holds
 * it on one address only, so a connection to the other address reaching
 * something means ours listens there. (From the ephemeral range, another
 * test's listener, bound with SO_REUSEPORT on every interface, was once given
 * the same number and answered on 127.0.0.2.)
 */
async function portBelowEphemeralRange(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once("error", () => resolve(false));
      probe.listen(port, "0.0.0.0", () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** Starts serve with exactly these host flags (and env); returns where the admin server listens. */
async function adminAddress(args: string[], env: Record<string, string> = {}): Promise<{ host: unknown; reachable: Record<string, boolean> }> {
  const adminPort = await portBelowEphemeralRange();
  const server = await startLoggingServer(ENTRY, ["serve", "--port", "0", "--store", "memory", "--workers", "0", "--admin-port", String(adminPort), ...args], { env });
  const line = await server.waitForLog((l) => l.msg === "admin listening");
  // 127.0.0.0/8 is all loopback on Linux: two addresses tell "follows --host" from "every interface".
  const reachable = { "127.0.0.1": await canConnect("127.0.0.1", adminPort), "127.0.0.2": await canConnect("127.0.0.2", adminPort) };
  expect(await server.stop()).toBe(0);
  return { host: line.host, reachable };
}

describe("the admin server's address", () => {
  it("follows --host when --admin-host is not given", async () => {
    expect(await adminAddress(["--host", "127.0.0.2"])).toEqual({ host: "127.0.0.2", reachable: { "127.0.0.1": false, "127.0.0.2": true } });
  });

  it("follows PKGINDEX_HOST too", async () => {
    expect(await adminAddress([], { PKGINDEX_HOST: "127.0.0.2" })).toEqual({ host: "127.0.0.2", reachable: { "127.0.0.1": false, "127.0.0.2": true } });
  });

  it("is --admin-host when given", async () => {
    expect(await adminAddress(["--host", "127.0.0.2", "--admin-host", "127.0.0.1"])).toEqual({ host: "127.0.0.1", reachable: { "127.0.0.1": true, "127.0.0.2": false } });
  });
});
