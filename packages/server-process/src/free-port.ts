import net from "node:net";

/**
 * A port nothing listens on right now (the OS's pick, bound and released),
 * for servers and flags that cannot take port 0 and report what they got.
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
