import { describe, expect, it } from "vitest";
import { canConnect, freePort, startLoggingServer } from "@pkgindex/server-process";
import { pkgindexEntry } from "./support/pkgindex-entry.ts";

const ENTRY = pkgindexEntry().file;

/** Starts serve with exactly these host flags (and env); returns where the admin server listens. */
async function adminAddress(args: string[], env: Record<string, string> = {}): Promise<{ host: unknown; reachable: Record<string, boolean> }> {
  const adminPort = await freePort();
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
