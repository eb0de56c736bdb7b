import type tls from "node:tls";

/**
 * The names a verified client certificate stands for: its subject CN and
 * its DNS and URI SANs. Nothing for a client without one, or whose
 * certificate did not verify against --tls-ca.
 */
export function peerNames(socket: tls.TLSSocket): string[] {
  if (!socket.authorized) return [];
  const cert = socket.getPeerCertificate();
  if (cert === null || Object.keys(cert).length === 0) return [];
  const names: string[] = [];
  const cn = cert.subject?.CN as string | string[] | undefined;
  if (Array.isArray(cn)) names.push(...cn);
  else if (typeof cn === "string") names.push(cn);
  for (const san of splitAltNames(cert.subjectaltname ?? "")) {
    if (san.startsWith("DNS:")) names.push(san.slice(4));
    else if (san.startsWith("URI:")) names.push(san.slice(4));
  }
  return names;
}

/**
 * Node writes SANs as `DNS:a, URI:b`, quoting a value (JSON) when it holds
 * a comma or a quote, so a split on ", " outside quotes is exact.
 */
function splitAltNames(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === "," && !quoted) {
      out.push(unquote(text.slice(start, i).trim()));
      start = i + 1;
    }
  }
  if (text.trim() !== "") out.push(unquote(text.slice(start).trim()));
  return out;
}

function unquote(entry: string): string {
  const colon = entry.indexOf(":");
  if (colon === -1 || entry[colon + 1] !== '"') return entry;
  try {
    return entry.slice(0, colon + 1) + (JSON.parse(entry.slice(colon + 1)) as string);
  } catch {
    return entry;
  }
}
