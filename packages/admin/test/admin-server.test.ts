import net from "node:net";
import { isPkgIndexError } from "@pkgindex/errors";
import { afterEach, describe, expect, it } from "vitest";
import { startAdminServer, type AdminServer, type AdminServerOptions, type Readiness } from "../src/index.ts";
import { request } from "./http-request.ts";

const started: AdminServer[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

interface Knobs {
  live: () => Promise<boolean>;
  readiness: Readiness;
  metrics: () => Promise<string>;
}

async function start(knobs: Partial<Knobs> = {}, extra: Partial<AdminServerOptions> = {}): Promise<{ server: AdminServer; state: Knobs }> {
  const state: Knobs = {
    live: async () => true,
    readiness: { ready: true, checks: { listening: true, "store-loaded": true, "not-draining": true } },
    metrics: async () => "# HELP pkgindex_packages Packages.\n# TYPE pkgindex_packages gauge\npkgindex_packages 3\n",
    ...knobs,
  };
  const server = await startAdminServer({
    host: "127.0.0.1",
    port: 0,
    live: () => state.live(),
    ready: () => state.readiness,
    metrics: () => state.metrics(),
    ...extra,
  });
  started.push(server);
  return { server, state };
}

describe("startAdminServer: listening", () => {
  it("port 0 gives an ephemeral port that answers", async () => {
    const { server } = await start();
    expect(server.port).toBeGreaterThan(0);
    expect((await request(server.port, "/livez")).status).toBe(200);
  });

  it("a port in use is PKGI_PORT_IN_USE", async () => {
    const { server } = await start();
    const err: unknown = await startAdminServer({
      host: "127.0.0.1",
      port: server.port,
      live: async () => true,
      ready: () => ({ ready: true, checks: {} }),
      metrics: async () => "",
    }).catch((e: unknown) => e);
    expect(isPkgIndexError(err)).toBe(true);
    expect((err as { code: string }).code).toBe("PKGI_PORT_IN_USE");
    expect((err as Error).message).toBe(`cannot listen on 127.0.0.1:${server.port}: the address is already in use`);
  });

  it("an address not on this machine is PKGI_LISTEN_FAILED", async () => {
    // 192.0.2.0/24 is TEST-NET-1: never assigned to a local interface.
    const err: unknown = await startAdminServer({
      host: "192.0.2.1",
      port: 0,
      live: async () => true,
      ready: () => ({ ready: true, checks: {} }),
      metrics: async () => "",
    }).catch((e: unknown) => e);
    expect(isPkgIndexError(err)).toBe(true);
    expect((err as { code: string }).code).toBe("PKGI_LISTEN_FAILED");
    expect((err as Error).message).toMatch(/^cannot listen on 192\.0\.2\.1:0: EADDRNOTAVAIL/);
  });

  it("close() stops listening", async () => {
    const server = await startAdminServer({
      host: "127.0.0.1",
      port: 0,
      live: async () => true,
      ready: () => ({ ready: true, checks: {} }),
      metrics: async () => "",
    });
    await server.close();
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(server.port, "127.0.0.1");
      socket.on("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
  });
});

describe("GET /livez", () => {
  it("200 ok when live() resolves true", async () => {
    const { server } = await start();
    const reply = await request(server.port, "/livez");
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("ok\n");
    expect(reply.headers["content-type"]).toBe("text/plain; charset=utf-8");
  });

  it("503 when live() resolves false, and the listing says why", async () => {
    const { server } = await start({ live: async () => false });
    const reply = await request(server.port, "/livez");
    expect(reply.status).toBe(503);
    expect(reply.body).toBe("[-]ping failed\nlivez check failed\n");
  });

  it("503 when live() rejects", async () => {
    const { server } = await start({ live: () => Promise.reject(new Error("a thread is gone")) });
    expect((await request(server.port, "/livez")).status).toBe(503);
  });

  it("503 when live() does not answer within the deadline", async () => {
    const { server } = await start({ live: () => new Promise<boolean>(() => {}) }, { liveTimeoutMs: 50 });
    expect((await request(server.port, "/livez")).status).toBe(503);
  });

  it("follows live() from one request to the next", async () => {
    let alive = true;
    const { server } = await start({ live: async () => alive });
    expect((await request(server.port, "/livez")).status).toBe(200);
    alive = false;
    expect((await request(server.port, "/livez")).status).toBe(503);
  });

  it("?verbose lists the ping check", async () => {
    const { server } = await start();
    const reply = await request(server.port, "/livez?verbose");
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("[+]ping ok\nlivez check passed\n");
  });
});

describe("GET /readyz", () => {
  it("200 ok when ready, 503 when not, following ready() per request", async () => {
    const { server, state } = await start();
    const ok = await request(server.port, "/readyz");
    expect(ok.status).toBe(200);
    expect(ok.body).toBe("ok\n");

    state.readiness = { ready: false, checks: { listening: true, "store-loaded": true, "not-draining": false } };
    const draining = await request(server.port, "/readyz");
    expect(draining.status).toBe(503);
    expect(draining.body).toBe("[+]listening ok\n[+]store-loaded ok\n[-]not-draining failed\nreadyz check failed\n");
  });

  it("?verbose lists each check when ready", async () => {
    const { server } = await start();
    const reply = await request(server.port, "/readyz?verbose");
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("[+]listening ok\n[+]store-loaded ok\n[+]not-draining ok\nreadyz check passed\n");
  });

  it("degraded but ready (a full store): 200, and the body lists the checks with the reason, verbose or not", async () => {
    const reason = "read-only: commit to /data/pkgindex.db failed, the disk or quota is full";
    const { server } = await start({
      readiness: { ready: true, checks: { listening: true, "store-loaded": true, "not-draining": true }, degraded: { "store-writable": reason } },
    });
    const listing = `[+]listening ok\n[+]store-loaded ok\n[+]not-draining ok\n[!]store-writable degraded: ${reason}\nreadyz check passed\n`;
    for (const route of ["/readyz", "/readyz?verbose"]) {
      const reply = await request(server.port, route);
      expect(reply.status).toBe(200);
      expect(reply.body).toBe(listing);
    }
  });

  it("?verbose= with a value is verbose too", async () => {
    const { server } = await start();
    expect((await request(server.port, "/readyz?verbose=1")).body).toContain("[+]listening ok\n");
  });

  it("the ready flag decides, not the checks", async () => {
    const { server } = await start({ readiness: { ready: false, checks: {} } });
    const reply = await request(server.port, "/readyz?verbose");
    expect(reply.status).toBe(503);
    expect(reply.body).toBe("readyz check failed\n");
  });

  it("503 when ready() throws", async () => {
    const warnings: string[] = [];
    const { server } = await start(
      {},
      {
        ready: () => {
          throw new Error("boom");
        },
        logger: { warn: (_obj, msg) => warnings.push(msg) },
      },
    );
    const reply = await request(server.port, "/readyz");
    expect(reply.status).toBe(503);
    expect(reply.body).toContain("[-]readiness-callback failed");
    expect(warnings).toEqual(["admin: readiness callback failed"]);
  });

  it("HEAD answers the status without a body", async () => {
    const { server, state } = await start();
    const ok = await request(server.port, "/readyz", "HEAD");
    expect(ok.status).toBe(200);
    expect(ok.body).toBe("");
    state.readiness = { ready: false, checks: {} };
    expect((await request(server.port, "/readyz", "HEAD")).status).toBe(503);
  });
});

describe("GET /metrics", () => {
  it("serves metrics() with the Prometheus content type", async () => {
    const { server } = await start();
    const reply = await request(server.port, "/metrics");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(reply.body).toBe("# HELP pkgindex_packages Packages.\n# TYPE pkgindex_packages gauge\npkgindex_packages 3\n");
  });

  it("calls metrics() on every scrape", async () => {
    let n = 0;
    const { server } = await start({ metrics: async () => `scrape ${++n}\n` });
    expect((await request(server.port, "/metrics")).body).toBe("scrape 1\n");
    expect((await request(server.port, "/metrics")).body).toBe("scrape 2\n");
  });

  it("500 when metrics() rejects, and logs it", async () => {
    const warnings: string[] = [];
    const { server } = await start(
      { metrics: () => Promise.reject(new Error("state owner did not answer")) },
      { logger: { warn: (_obj, msg) => warnings.push(msg) } },
    );
    const reply = await request(server.port, "/metrics");
    expect(reply.status).toBe(500);
    expect(warnings).toEqual(["admin: metrics could not be gathered"]);
  });
});

describe("other routes and methods", () => {
  it("404 for an unknown path", async () => {
    const { server } = await start();
    const paths = ["/", "/healthz", "/metrics/x", "/readyz/"];
    const statuses = await Promise.all(paths.map(async (path) => (await request(server.port, path)).status));
    expect(statuses).toEqual([404, 404, 404, 404]);
  });

  it("405 with Allow for a method other than GET/HEAD on a known path", async () => {
    const { server } = await start();
    const replies = await Promise.all(["POST", "PUT", "DELETE", "PATCH"].map((method) => request(server.port, "/metrics", method)));
    expect(replies.map((r) => [r.status, r.headers.allow])).toEqual(replies.map(() => [405, "GET, HEAD"]));
  });

  it("404, not 405, for another method on an unknown path", async () => {
    const { server } = await start();
    expect((await request(server.port, "/nope", "POST")).status).toBe(404);
  });
});
