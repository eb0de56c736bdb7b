import { spawn } from "node:child_process";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { startServer } from "./support/server-process.ts";

/** Sends `text`, half-closes (FIN), and collects everything until the server closes. */
function sendAndHalfClose(port: number, chunks: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    let got = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => (got += d));
    socket.on("error", reject);
    socket.on("end", () => {
      socket.end();
      resolve(got);
    });
    socket.on("connect", () => {
      for (const c of chunks.slice(0, -1)) socket.write(c);
      socket.end(chunks[chunks.length - 1]);
    });
  });
}

describe.each([0, 2, 3])("half-close, --workers %i", (workers) => {
  it("answers every line received before the client's FIN, then closes (nc -q1 style)", async () => {
    const server = await startServer(["--workers", String(workers), "--store", "memory"]);
    // The README's quick-start line, through the real nc when present.
    const nc = spawn("sh", ["-c", `printf 'INDEX|a|\\nQUERY|a|\\n' | nc -q1 127.0.0.1 ${server.port}`]);
    let out = "";
    nc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    // pnpm test installs nc when missing (scripts/ensure-test-tools.sh).
    expect(await new Promise<number | null>((resolve) => nc.on("close", resolve))).toBe(0);
    expect(out).toBe("OK\nOK\n");
    expect(await sendAndHalfClose(server.port, ["INDEX|b|a\nQUERY|b|\nQUERY|zz|\n"])).toBe("OK\nOK\nFAIL\n");
    expect(await server.stop()).toBe(0);
  });

  it("a client that half-closes mid-pipeline gets every reply in order; a trailing unfinished line gets none", async () => {
    const server = await startServer(["--workers", String(workers), "--store", "memory"]);
    const lines: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 2000; i++) {
      lines.push(`INDEX|p${i}|${i > 0 ? `p${i - 1}` : ""}\n`, `QUERY|p${i}|\n`, i % 100 === 0 ? "bad\n" : `QUERY|q${i}|\n`);
      expected.push("OK", "OK", i % 100 === 0 ? "ERROR" : "FAIL");
    }
    // In several writes, ending with the FIN right behind the last line and
    // an unterminated fragment (not a request: no reply is owed for it).
    const text = lines.join("");
    const chunks = [text.slice(0, 7000), text.slice(7000, 30000), `${text.slice(30000)}QUERY|p1`];
    const got = await sendAndHalfClose(server.port, chunks);
    expect(got.split("\n").slice(0, -1)).toEqual(expected);
    expect(await server.stop()).toBe(0);
  });
});
