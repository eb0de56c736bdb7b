// --store postgres in both layouts over real TCP: every command goes to the
// database in batches, so nodes on one database answer as one index.
import { describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { postgresArgs, usePostgres } from "./support/postgres.ts";
import { adminGet, startServer } from "./support/server-process.ts";

const env = usePostgres();

describe.each([0, 2])("--store postgres --workers %i", (workers) => {
  it("serves the protocol over TCP: strict, pipelined, malformed lines and refusals", async () => {
    const url = await env.cluster.createDatabase();
    const server = await startServer(postgresArgs(url, workers), {}, { admin: true });
    try {
      const c = await LineClient.connect(server.port);
      expect(await c.send("INDEX|b|a")).toBe("FAIL");
      expect(await c.send("INDEX|a|")).toBe("OK");
      expect(await c.send("INDEX|b|a")).toBe("OK");
      expect(await c.send("QUERY|b|")).toBe("OK");
      expect(await c.send("REMOVE|a|")).toBe("FAIL");
      expect(await c.send("INDEX|a|b")).toBe("FAIL");
      expect(await c.send("bogus")).toBe("ERROR");
      // Pipelined, with a malformed line in the middle: replies in request order.
      c.write("REMOVE|b|\nQUERY|b|\nINDEX|x|,\nREMOVE|a|\nQUERY|a|\nINDEX|c|\n");
      await c.waitForReplies(13);
      expect(c.replies.slice(7)).toEqual(["OK", "FAIL", "ERROR", "OK", "FAIL", "OK"]);
      c.close();
      const rows = await env.cluster.sql(new URL(url).pathname.slice(1), "SELECT name FROM pkgindex.packages ORDER BY name");
      expect(rows).toEqual([{ name: "c" }]);
      const ready = await adminGet(server.adminPort, "/readyz?verbose");
      expect(ready.status).toBe(200);
      expect(ready.body).toContain("[+]store-reachable ok");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe("--allow-cycles with --store postgres", () => {
  it("reaches the database's cycle check: a cycle is accepted with the flag, refused without", async () => {
    const url = await env.cluster.createDatabase();
    const [strict, lax] = await Promise.all([startServer(postgresArgs(url, 0)), startServer([...postgresArgs(url, 2), "--allow-cycles"])]);
    try {
      const a = await LineClient.connect(strict.port);
      const b = await LineClient.connect(lax.port);
      expect(await a.send("INDEX|x|")).toBe("OK");
      expect(await a.send("INDEX|y|x")).toBe("OK");
      expect(await a.send("INDEX|x|y")).toBe("FAIL");
      expect(await b.send("INDEX|x|y")).toBe("OK");
      a.close();
      b.close();
    } finally {
      expect(await Promise.all([strict.stop(), lax.stop()])).toEqual([0, 0]);
    }
  });
});

describe("where the database is named", () => {
  it("with no --postgres-url, from the libpq PG* environment variables; or from PKGINDEX_POSTGRES_URL", async () => {
    const url = await env.cluster.createDatabase();
    const database = new URL(url).pathname.slice(1);
    const pgEnv = { PGHOST: env.cluster.socketDir, PGPORT: String(env.cluster.port), PGUSER: "postgres", PGDATABASE: database };
    const fromPg = await startServer(["--store", "postgres", "--workers", "0"], pgEnv);
    const fromUrl = await startServer(["--store", "postgres", "--workers", "2"], { PKGINDEX_POSTGRES_URL: url });
    try {
      const a = await LineClient.connect(fromPg.port);
      const b = await LineClient.connect(fromUrl.port);
      expect(await a.send("INDEX|from-env|")).toBe("OK");
      expect(await b.send("QUERY|from-env|")).toBe("OK");
      a.close();
      b.close();
      const connected = await fromPg.waitForLog((l) => l.msg === "connected to PostgreSQL");
      expect(connected.target).toBe(`postgres@${env.cluster.socketDir}:${env.cluster.port}/${database}`);
    } finally {
      expect(await Promise.all([fromPg.stop(), fromUrl.stop()])).toEqual([0, 0]);
    }
  });
});

describe("two nodes on one database", () => {
  it("each sees the other's acknowledged writes at once (workers 0 and 2)", async () => {
    const url = await env.cluster.createDatabase();
    const [a, b] = await Promise.all([startServer(postgresArgs(url, 0)), startServer(postgresArgs(url, 2))]);
    try {
      const ca = await LineClient.connect(a.port);
      const cb = await LineClient.connect(b.port);
      for (let i = 0; i < 50; i++) {
        const [writer, reader] = i % 2 === 0 ? [ca, cb] : [cb, ca];
        const dep = i === 0 ? "" : `p${i - 1}`;
        expect(await writer.send(`INDEX|p${i}|${dep}`)).toBe("OK");
        expect(await reader.send(`QUERY|p${i}|`)).toBe("OK");
        // A dependency indexed through the other node counts at once.
        expect(await reader.send(`REMOVE|${i === 0 ? "none" : dep}|`)).toBe(i === 0 ? "OK" : "FAIL");
      }
      expect(await cb.send("REMOVE|p49|")).toBe("OK");
      expect(await ca.send("QUERY|p49|")).toBe("FAIL");
      expect(await ca.send("REMOVE|p48|")).toBe("OK");
      ca.close();
      cb.close();
    } finally {
      expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
    }
  });
});
