// Test helper: Prometheus text exposition -> sample value by series,
// keyed exactly as printed, e.g. `pkgindex_commands_total{command="INDEX",result="OK"}`.
export function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** Names declared by `# TYPE` lines, with their type. */
export function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}
