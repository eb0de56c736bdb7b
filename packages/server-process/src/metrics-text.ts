/**
 * The sum of a family's series in a Prometheus text exposition, optionally
 * only the lines containing `filter` (a label, e.g. `role="state-owner"`).
 * A family's name must be followed by its labels or its value, so
 * `pkgindex_commands` does not also count `pkgindex_commands_total`.
 */
export function metricSum(text: string, family: string, filter = ""): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.startsWith(family)) continue;
    const rest = line.slice(family.length);
    if (rest[0] !== "{" && rest[0] !== " ") continue;
    if (filter && !line.includes(filter)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/** pkgindex's /metrics on its admin port. */
export async function scrapeMetrics(adminPort: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics on admin port ${adminPort}: ${res.status}`);
  return res.text();
}
