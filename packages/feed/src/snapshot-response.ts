import type http from "node:http";
import type { FeedSnapshot } from "./feed-source.ts";

const ENTRIES_PER_WRITE = 1000;

/** Resolves at the response's next drain; rejects if it closes first. */
function drainOf(res: http.ServerResponse): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      res.off("close", onClose);
      resolve();
    };
    const onClose = (): void => {
      res.off("drain", onDrain);
      reject(new Error("closed before the snapshot was written"));
    };
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

/**
 * GET /v1/snapshot: {"revision":N,"packages":{"name":["dep",…],…}}. The
 * snapshot is a copy taken at one revision, so it is written in steps that
 * wait for the socket to drain without blocking anything else.
 */
export async function writeSnapshot(res: http.ServerResponse, snapshot: FeedSnapshot): Promise<void> {
  res.writeHead(200, {
    "content-type": "application/json",
    "cache-control": "no-store",
    "x-pkgindex-revision": String(snapshot.revision),
  });
  let out = `{"revision":${snapshot.revision},"packages":{`;
  const { packages } = snapshot;
  for (let i = 0; i < packages.length; i++) {
    out += `${i === 0 ? "" : ","}${JSON.stringify(packages[i][0])}:${packages[i][1]}`;
    if ((i + 1) % ENTRIES_PER_WRITE === 0) {
      const drained = res.write(out);
      out = "";
      if (!drained) await drainOf(res);
    }
  }
  res.end(`${out}}}\n`);
}
