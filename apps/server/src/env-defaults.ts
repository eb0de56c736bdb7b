/**
 * Every flag is also PKGINDEX_<FLAG> (dashes as underscores). yargs' own
 * .env() under .strict() refuses the process when ANY unknown PKGINDEX_*
 * variable exists — Kubernetes injects PKGINDEX_SERVICE_HOST and the like for
 * a Service named pkgindex — so only the variables of known flags are read,
 * and they become the flags' defaults (a flag on the command line wins).
 */
export function withEnvDefaults<T extends Record<string, { type: string; default?: unknown }>>(
  options: T,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const out: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(options)) {
    const value = env[`PKGINDEX_${flag.toUpperCase().replaceAll("-", "_")}`];
    if (value === undefined) {
      out[flag] = spec;
      continue;
    }
    let parsed: unknown = value;
    // Validation of the value itself happens once, later, naming the flag.
    if (spec.type === "number") parsed = value.trim() === "" ? Number.NaN : Number(value);
    else if (spec.type === "boolean") parsed = /^(1|true|yes|on)$/i.test(value.trim());
    out[flag] = { ...spec, default: parsed };
  }
  return out as T;
}
