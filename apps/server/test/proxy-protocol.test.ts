import proxyProtocol from "proxy-protocol-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineClient } from "./support/line-client.ts";
import { adminGet, startServer, type ServerProcess } from "./support/server-process.ts";

// Headers come from proxy-protocol-js, an independent implementation.
const { Command, INETProtocol, IPv4Address, IPv4ProxyAddress, Peer, TransportProtocol, UnspecProxyAddress, V1ProxyProtocol, V2ProxyProtocol } =
  proxyProtocol;

function v1(src: string, sport: number): Buffer {
  return Buffer.from(new V1ProxyProtocol(INETProtocol.TCP4, new Peer(src, sport), new Peer("127.0.0.1", 8080)).build(), "latin1");
}
function v2(src: number[], sport: number): Buffer {
  const address = new IPv4ProxyAddress(IPv4Address.createFrom(src), sport, IPv4Address.createFrom([127, 0, 0, 1]), 8080);
  const built = new V2ProxyProtocol(Command.PROXY, TransportProtocol.STREAM, address).build();
  return Buffer.from(built.buffer, built.byteOffset, built.byteLength);
}
function v2Local(): Buffer {
  const built = new V2ProxyProtocol(Command.LOCAL, TransportProtocol.UNSPEC, new UnspecProxyAddress()).build();
  return Buffer.from(built.buffer, built.byteOffset, built.byteLength);
}

const rejected = 'pkgindex_connections_rejected_total{reason="proxy_header"}';
function series(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

/** Writes `header` cut at `cut` in two TCP segments, then a request; returns the reply. */
async function sendSplit(port: number, header: Buffer, cut: number, line: string): Promise<string> {
  const c = await LineClient.connect(port);
  c.socket.setNoDelay(true);
  c.write(header.subarray(0, cut));
  await new Promise<void>((resolve) => setImmediate(resolve));
  c.write(Buffer.concat([header.subarray(cut), Buffer.from(line + "\n")]));
  await c.waitForReplies(1);
  c.close();
  return c.replies[0];
}

describe.each([0, 3])("PROXY protocol, --workers %i", (workers) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(
      ["--workers", String(workers), "--store", "memory", "--proxy-protocol", "any", "--proxy-header-timeout", "0.5", "--log-level", "debug"],
      {},
      { admin: true },
    );
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("accepts a v1 header split at every byte, and logs the client address from it", async () => {
    const header = v1("203.0.113.7", 4242);
    for (let cut = 1; cut < header.length; cut++) {
      expect(await sendSplit(server.port, header, cut, `INDEX|pv1-${cut}|`)).toBe("OK");
    }
    // Logs travel by pipe, replies by socket: wait for the lines, by count.
    let seen = 0;
    await server.waitForLog((l) => l.msg === "connection opened" && l.client === "203.0.113.7:4242" && ++seen >= header.length - 1);
  });

  it("accepts a v2 header split at every byte, and logs the client address from it", async () => {
    const header = v2([198, 51, 100, 9], 5151);
    for (let cut = 1; cut < header.length; cut++) {
      expect(await sendSplit(server.port, header, cut, `QUERY|pv1-${cut}|`)).toBe("OK");
    }
    // Logs travel by pipe, replies by socket: wait for the lines, by count.
    let seen = 0;
    await server.waitForLog((l) => l.msg === "connection opened" && l.client === "198.51.100.9:5151" && ++seen >= header.length - 1);
  });

  it("accepts v2 LOCAL (a load balancer's health check) with the peer's own address", async () => {
    expect(await sendSplit(server.port, v2Local(), 5, "QUERY|pv1-1|")).toBe("OK");
  });

  it("closes and counts connections with garbage, an oversized header, or none in time", async () => {
    const before = series((await adminGet(server.adminPort, "/metrics")).body, rejected);
    const garbage = await LineClient.connect(server.port);
    garbage.write("INDEX|no-header|\n");
    await garbage.waitForClose();
    expect(garbage.replies).toEqual([]);

    const oversize = await LineClient.connect(server.port);
    oversize.write(`PROXY TCP4 ${"1".repeat(200)}`);
    await oversize.waitForClose();
    expect(oversize.replies).toEqual([]);

    const silent = await LineClient.connect(server.port);
    await silent.waitForClose();

    const partial = await LineClient.connect(server.port);
    partial.write(v2([10, 0, 0, 1], 1).subarray(0, 10));
    await partial.waitForClose();

    const after = series((await adminGet(server.adminPort, "/metrics")).body, rejected);
    expect(after - before).toBe(4);
  });
});

describe("PROXY protocol version restriction", () => {
  it("--proxy-protocol v1 refuses a v2 header, and v2 refuses v1", async () => {
    for (const [mode, header] of [["v1", v2([10, 1, 1, 1], 1)], ["v2", v1("10.1.1.1", 1)]] as const) {
      const server = await startServer(["--workers", "1", "--store", "memory", "--proxy-protocol", mode]);
      const c = await LineClient.connect(server.port);
      c.write(Buffer.concat([header, Buffer.from("QUERY|x|\n")]));
      await c.waitForClose();
      expect(c.replies).toEqual([]);
      await server.waitForLog((l) => l.limit === "proxy_header");
      expect(await server.stop()).toBe(0);
    }
  });
});
