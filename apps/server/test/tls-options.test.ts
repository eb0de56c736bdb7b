import { describe, expect, it } from "vitest";
import { SERVE_OPTIONS, validateServeOptions, type RawServeOptions } from "../src/options.ts";

/** The flags as yargs hands them over with nothing given: every default, camel-cased. */
function defaults(): RawServeOptions {
  const raw: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(SERVE_OPTIONS)) {
    raw[flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = (spec as { default?: unknown }).default;
  }
  return raw as unknown as RawServeOptions;
}
const validate = (over: Partial<RawServeOptions>) => validateServeOptions({ ...defaults(), ...over });

describe("TLS, writers and PROXY trust flags", () => {
  it("defaults: plain only, everyone writes, every PROXY peer trusted", () => {
    expect(validate({})).toMatchObject({ plainListener: true, tlsPort: null, tls: null, writers: ["*"], proxyTrusted: [] });
  });

  it("a full TLS configuration", () => {
    const config = validate({ tlsPort: 8443, tlsOnly: true, tlsCert: "c.pem", tlsKey: "k.pem", tlsCa: "ca.pem", tlsClientAuth: "require", tlsHandshakeTimeout: 2.5 });
    expect(config).toMatchObject({ plainListener: false, tlsPort: 8443, tls: { clientAuth: "require", handshakeTimeoutMs: 2500 } });
    expect(config.tls?.files.certFile).toMatch(/^\/.*\/c\.pem$/);
  });

  it.each<[Partial<RawServeOptions>, string]>([
    [{ proxyTrusted: "10.0.0.0/8" }, "--proxy-trusted: it needs --proxy-protocol"],
    [{ proxyProtocol: "v2", proxyTrusted: "10.0.0.0/40" }, '--proxy-trusted: "10.0.0.0/40" has a prefix length that is not 0 to 32'],
    [{ writers: "cn:" }, '--writers: "cn:" names no certificate'],
    [{ writers: "nobody" }, '--writers: "nobody" is not an address or CIDR range'],
    [{ writers: "cn:w,10.0.0.0/8", proxyProtocol: "any" }, "--writers: address rules with --proxy-protocol need --proxy-trusted"],
    [{ tlsPort: 0, tlsCert: "x.pem" }, "--tls-key: --tls-port needs a private key file"],
    [{ tlsPort: 0, tlsKey: "x.pem" }, "--tls-cert: --tls-port needs a certificate file"],
    [{ tlsCert: "x.pem" }, "--tls-cert: it needs --tls-port"],
    [{ tlsOnly: true }, "--tls-only: it needs --tls-port"],
    [{ tlsPort: 8080, tlsCert: "a", tlsKey: "b" }, "--tls-port: it is the same port as --port (8080)"],
    [{ tlsPort: 0, tlsCert: "a", tlsKey: "b", tlsClientAuth: "require" }, "--tls-client-auth: require needs --tls-ca"],
    [{ tlsPort: 0, tlsCert: "a", tlsKey: "b", tlsCa: "ca" }, "--tls-ca: it is used only with --tls-client-auth optional or require"],
    [{ tlsPort: 0, tlsCert: "a", tlsKey: "b", tlsHandshakeTimeout: 0 }, "--tls-handshake-timeout: expected more than 0 seconds"],
    [{ tlsPort: 70000, tlsCert: "a", tlsKey: "b" }, "--tls-port: expected a whole number from 0 to 65535"],
  ])("%j is refused naming the flag", (over, message) => {
    expect(() => validate(over)).toThrow(`invalid value for ${message}`);
  });

  it("address rules behind PROXY are fine once the senders are named", () => {
    expect(validate({ writers: "10.0.0.0/8", proxyProtocol: "v2", proxyTrusted: "127.0.0.1" })).toMatchObject({
      writers: ["10.0.0.0/8"],
      proxyTrusted: ["127.0.0.1"],
    });
  });
});
