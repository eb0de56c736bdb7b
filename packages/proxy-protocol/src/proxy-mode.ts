/** `--proxy-protocol`: which PROXY header versions a connection must start with. */
export type ProxyMode = "off" | "v1" | "v2" | "any";

/** The modes that need a parser (everything but "off"). */
export type ProxyHeaderMode = Exclude<ProxyMode, "off">;

export const PROXY_MODES: readonly ProxyMode[] = ["off", "v1", "v2", "any"];

export function isProxyMode(value: unknown): value is ProxyMode {
  return typeof value === "string" && (PROXY_MODES as readonly string[]).includes(value);
}
