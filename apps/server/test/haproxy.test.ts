import { spawnSync } from "node:child_process";
import path from "node:path";
import { loadBrewFile, runHarness } from "@pkgindex/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@pkgindex/server-process";
import { startHaproxy, type RunningHaproxy } from "./support/haproxy.ts";
import { LineClient } from "./support/line-client.ts";
import { BREW_DATA, REPO_ROOT, startServer, type ServerProcess } from "./support/server-process.ts";

// Debian's HAProxy, with the very configuration docker/compose.yaml uses,
// on loopback in front of pkgindex with send-proxy-v2 (pnpm test installs
// haproxy when missing: scripts/ensure-test-tools.sh).

describe("behind HAProxy with send-proxy-v2", () => {
  let server: ServerProcess;
  let statsPort: number;
  let haproxy: RunningHaproxy;
  let frontPort: number;

  beforeAll(async () => {
    server = await startServer(["--workers", "3", "--store", "memory", "--proxy-protocol", "v2", "--log-level", "debug"], {}, { admin: true });
    statsPort = await freePort();
    haproxy = await startHaproxy("haproxy.cfg", {
      PKGINDEX_BACKEND_ADDR: "127.0.0.1",
      PKGINDEX_BACKEND_PORT: String(server.port),
      PKGINDEX_ADMIN_PORT: String(server.adminPort),
      // One address, so one server slot (server-template would give all ten slots this address).
      PKGINDEX_BACKEND_SLOTS: "1",
      HAPROXY_STATS_PORT: String(statsPort),
    });
    frontPort = haproxy.port;
  });

  afterAll(async () => {
    await haproxy?.stop();
    expect(await server.stop()).toBe(0);
  });

  it("haproxy -c accepts the compose configuration", () => {
    const check = spawnSync("bash", [path.join(REPO_ROOT, "docker/check-haproxy-config.sh")], { encoding: "utf8" });
    // On a failure the script's output is what differs, so it shows which check failed (and haproxy's words).
    expect(check.status === 0 ? "ok" : `status ${check.status}: ${check.stdout}${check.stderr}`).toBe("ok");
  });

  it("serves HAProxy's stats page and Prometheus metrics, with the one backend slot up", async () => {
    const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
    expect(csv.split("\n").filter((l) => l.startsWith("pkgindex,pkgindex")).map((l) => l.split(",").slice(0, 2).join(","))).toEqual(["pkgindex,pkgindex1"]);
    const metrics = await (await fetch(`http://127.0.0.1:${statsPort}/metrics`)).text();
    expect(metrics).toMatch(/^haproxy_backend_active_servers\{proxy="pkgindex"\} 1$/m);
  });

  it("pkgindex logs the original client address and port, not HAProxy's", async () => {
    const c = await LineClient.connect(frontPort);
    expect(await c.send("INDEX|via-haproxy|")).toBe("OK");
    const client = `127.0.0.1:${c.socket.localPort}`;
    const opened = await server.waitForLog((l) => l.msg === "connection opened" && l.client === client);
    expect(opened.client).toBe(client);
    c.close();
  });

  it("passes the challenge phases at concurrency 100 through HAProxy", async () => {
    const result = await runHarness({
      host: "127.0.0.1",
      port: frontPort,
      data: loadBrewFile(BREW_DATA),
      concurrency: 100,
      seed: 11,
      unluckiness: 5,
      disconnects: 0,
      pipeline: 1,
      timeoutSeconds: 30,
    });
    expect(JSON.stringify(result.failure)).toBe("null");
    expect(result.phases[1].ok).toBe(3370);
    expect(result.phases[4].fail).toBe(3370);
  });
});
