/**
 * Changes from revision `first` on as one chunk of a stream: NDJSON (one
 * change per line) or Server-Sent Events (`id:` = revision, so a browser's
 * EventSource resumes with Last-Event-ID).
 */
export function encodeChanges(sse: boolean, first: number, jsons: readonly string[]): string {
  let out = "";
  if (sse) for (let i = 0; i < jsons.length; i++) out += `id: ${first + i}\ndata: ${jsons[i]}\n\n`;
  else for (let i = 0; i < jsons.length; i++) out += `${jsons[i]}\n`;
  return out;
}

export const NDJSON_HEARTBEAT = "\n";
export const SSE_HEARTBEAT = ": heartbeat\n\n";

/** The stream's last words when the server ends it: a JSON line, or an SSE comment. */
export function encodeEnding(sse: boolean, error: string, reason: string, lastRevision: number): string {
  if (sse) return `: ${error}: ${reason}; resume with Last-Event-ID: ${lastRevision}\n\n`;
  return `${JSON.stringify({ error, reason, last_rev: lastRevision })}\n`;
}
