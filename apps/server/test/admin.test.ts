import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { adminGet, startServer, type ServerProcess } from "./support/server-process.ts";

function series(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe.each([0, 3])("admin HTTP, --workers %i", (workers) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(["--workers", String(workers), "--store", "memory"], {}, { admin: true });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("/livez and /readyz answer 200 while serving; ?verbose lists each check", async () => {
    expect((await adminGet(server.adminPort, "/livez")).status).toBe(200);
    const ready = await adminGet(server.adminPort, "/readyz?verbose");
    expect(ready.status).toBe(200);
    expect(ready.body).toContain("[+]listening ok");
    expect(ready.body).toContain("[+]store-loaded ok");
    expect(ready.body).toContain("[+]not-draining ok");
  });

  it("/metrics names every family and its counters move with traffic", async () => {
    const before = (await adminGet(server.adminPort, "/metrics")).body;
    for (const name of [
      "pkgindex_connections_open",
      "pkgindex_connections_tracked",
      "pkgindex_connections_accepted_total",
      "pkgindex_commands_total",
      "pkgindex_protocol_errors_total",
      "pkgindex_request_duration_seconds",
      "pkgindex_packages",
      "pkgindex_edges",
      "pkgindex_event_loop_busy_seconds_total",
      "pkgindex_thread_cpu_seconds_total",
      "pkgindex_build_info",
      "process_resident_memory_bytes",
      "process_open_fds",
      "process_start_time_seconds",
      "nodejs_heap_size_used_bytes",
      "nodejs_gc_duration_seconds",
      "nodejs_eventloop_lag_p99_seconds",
    ]) {
      expect(before).toContain(`# TYPE ${name} `);
    }
    // Series that could never move are left out: batches and restarts exist
    // only in worker mode, commits only with a durable store (the store in
    // effect: PKGINDEX_TEST_STORE=postgres runs this memory server on
    // PostgreSQL, whose batches commit).
    const { store } = (await server.waitForLog((l) => l.msg === "listening")) as { store: string };
    expect(before.includes("# TYPE pkgindex_state_batch_commands histogram")).toBe(workers > 0);
    expect(before.includes("# TYPE pkgindex_thread_restarts_total counter")).toBe(workers > 0);
    expect(before.includes("# TYPE pkgindex_store_commits_total")).toBe(store !== "memory");
    const indexOk = 'pkgindex_commands_total{command="INDEX",result="OK"}';
    const queryOk = 'pkgindex_commands_total{command="QUERY",result="OK"}';
    const queryFail = 'pkgindex_commands_total{command="QUERY",result="FAIL"}';
    const badName = 'pkgindex_protocol_errors_total{code="PKGI_PROTO_BAD_NAME"}';
    const c = await LineClient.connect(server.port);
    expect(await c.pipeline(["INDEX|m-a|", "INDEX|m-b|m-a", "QUERY|m-none|", "INDEX|bad name|", "INDEX|m-a|"])).toEqual([
      "OK", "OK", "FAIL", "ERROR", "OK",
    ]);
    // Alone on its connection, with nothing pending: in worker mode the I/O
    // worker answers these from the read view, and they count all the same.
    expect(await c.send("QUERY|m-b|")).toBe("OK");
    expect(await c.send("QUERY|m-none|")).toBe("FAIL");
    const after = (await adminGet(server.adminPort, "/metrics")).body;
    expect((series(after, indexOk) ?? 0) - (series(before, indexOk) ?? 0)).toBe(3);
    expect((series(after, queryOk) ?? 0) - (series(before, queryOk) ?? 0)).toBe(1);
    expect((series(after, queryFail) ?? 0) - (series(before, queryFail) ?? 0)).toBe(2);
    expect((series(after, badName) ?? 0) - (series(before, badName) ?? 0)).toBe(1);
    expect(series(after, "pkgindex_packages")).toBe((series(before, "pkgindex_packages") ?? 0) + 2);
    expect(series(after, "pkgindex_edges")).toBe((series(before, "pkgindex_edges") ?? 0) + 1);
    const open = after.split("\n").filter((l) => l.startsWith("pkgindex_connections_open{")).reduce((n, l) => n + Number(l.split(" ")[1]), 0);
    expect(open).toBeGreaterThanOrEqual(1);
    // Every reply so far was timed, in every layout (--workers 0 included).
    const timed = "pkgindex_request_duration_seconds_count";
    expect((series(after, timed) ?? 0) - (series(before, timed) ?? 0)).toBeGreaterThanOrEqual(5);
    // One heap series per thread: the single thread, or supervisor + state owner + each I/O worker.
    const heaps = after.split("\n").filter((l) => l.startsWith("nodejs_heap_size_used_bytes{"));
    expect(heaps.length).toBe(workers === 0 ? 1 : 2 + workers);
    c.close();
  });

  it("answers 404 for unknown paths and 405 for other methods", async () => {
    expect((await adminGet(server.adminPort, "/nope")).status).toBe(404);
    const res = await fetch(`http://127.0.0.1:${server.adminPort}/metrics`, { method: "POST" });
    expect(res.status).toBe(405);
  });
});
