import type { Client } from "@pkgindex/client";
import { clientErrorLine } from "./client-error-line.ts";
import { requestLine } from "./client-request-line.ts";

/** Exit status when the server answered ERROR: the request itself was refused. */
export const EXIT_ERROR_REPLY = 3;

/**
 * `pkgindex client INDEX openssl zlib`: sends one request, prints its reply.
 * Exit 0 for OK and FAIL (both are answers), 3 for ERROR, 1 when there was
 * no answer (connection refused, dropped, timed out), with one line saying why.
 */
export async function runOneShot(client: Client, words: readonly string[]): Promise<number> {
  try {
    const reply = await client.send(requestLine(words));
    process.stdout.write(`${reply}\n`);
    return reply === "ERROR" ? EXIT_ERROR_REPLY : 0;
  } catch (err) {
    process.stderr.write(clientErrorLine(err));
    return 1;
  } finally {
    client.destroy();
  }
}
