// docker/compose.yaml's `postgres` profile, checked without Docker (this
// machine has no compose plugin): the YAML as Compose reads it (merge keys),
// three nodes on the database, and an HAProxy whose environment is exactly
// what docker/haproxy-nodes.cfg requires, accepted by `haproxy -c`.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "./support/server-process.ts";

interface Service {
  profiles?: string[];
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: string[];
}

const compose = parse(readFileSync(path.join(REPO_ROOT, "docker/compose.yaml"), "utf8"), { merge: true }) as { services: Record<string, Service> };
const cfgPath = path.join(REPO_ROOT, "docker/haproxy-nodes.cfg");
const inProfile = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes("postgres"));

describe("docker/compose.yaml, profile postgres", () => {
  it("has PostgreSQL, three pkgindex nodes on it (mixed layouts) and HAProxy", () => {
    expect(inProfile.map(([name]) => name).toSorted()).toEqual(["haproxy-pg", "pkgindex-pg-1", "pkgindex-pg-2", "pkgindex-pg-3", "postgres"]);
    const nodes = inProfile.filter(([name]) => name.startsWith("pkgindex-pg-")).map(([, s]) => s);
    for (const node of nodes) {
      expect(node.command).toEqual(["node", "dist/pkgindex.js", "serve", "--store", "postgres", "--proxy-protocol", "v2"]);
      expect(node.environment?.PKGINDEX_POSTGRES_URL).toBe(`postgresql://${compose.services.postgres.environment?.POSTGRES_USER}@postgres:5432/${compose.services.postgres.environment?.POSTGRES_DB}`);
      expect(node.environment?.PGPASSWORD).toBe(compose.services.postgres.environment?.POSTGRES_PASSWORD);
      expect(node.depends_on).toEqual(["postgres"]);
    }
    expect(new Set(nodes.map((n) => n.environment?.PKGINDEX_WORKERS))).toEqual(new Set(["0", "2"]));
    expect(compose.services.postgres.image).toBe("postgres:15");
  });

  it("gives HAProxy exactly the variables docker/haproxy-nodes.cfg requires, naming the three nodes, and haproxy -c accepts them", () => {
    const haproxy = compose.services["haproxy-pg"];
    expect(haproxy.volumes).toEqual(["./haproxy-nodes.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro"]);
    const required = [...readFileSync(cfgPath, "utf8").matchAll(/defined\((\w+)\)/g)].map((m) => m[1]);
    const env = haproxy.environment ?? {};
    expect(Object.keys(env).toSorted()).toEqual([...new Set(required)].toSorted());
    for (const n of [1, 2, 3]) {
      expect(compose.services[env[`PKGINDEX_NODE${n}_ADDR`]]?.profiles).toContain("postgres");
      expect([env[`PKGINDEX_NODE${n}_PORT`], env[`PKGINDEX_NODE${n}_ADMIN_PORT`]]).toEqual(["8080", "9090"]);
    }
    // Outside compose the service names do not resolve: HAProxy warns and (init-addr none) starts anyway.
    const check = spawnSync("haproxy", ["-c", "-f", cfgPath], { encoding: "utf8", env: { PATH: process.env.PATH, ...env } });
    const output = check.stdout + check.stderr;
    expect({ status: check.status, output }).toMatchObject({ status: 0 });
    expect(output.split("\n").filter((l) => l.includes("[WARNING]") && !l.includes("could not resolve address"))).toEqual([]);
    // And refused when a variable is missing.
    const partial = { ...env };
    delete partial.PKGINDEX_NODE3_ADMIN_PORT;
    expect(spawnSync("haproxy", ["-c", "-f", cfgPath], { encoding: "utf8", env: { PATH: process.env.PATH, ...partial } }).status).not.toBe(0);
  });
});
