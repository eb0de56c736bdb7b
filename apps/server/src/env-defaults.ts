import { PkgIndexError, isPkgIndexError } from "@pkgindex/errors";

interface FlagSpec {
  type: string;
  default?: unknown;
  choices?: readonly string[];
}

const TRUE_WORDS = /^(1|true|yes|on)$/i;
const FALSE_WORDS = /^(0|false|no|off)$/i;

/** The environment variable of a flag: PKGINDEX_<FLAG>, dashes as underscores. */
export function envName(flag: string): string {
  return `PKGINDEX_${flag.toUpperCase().replaceAll("-", "_")}`;
}

/**
 * Flags whose value came from the environment in this process (flag ->
 * variable), so a later range check on the value can blame the variable.
 */
const fromEnv = new Map<string, string>();

function badEnv(variable: string, option: string, reason: string): PkgIndexError {
  return new PkgIndexError("PKGI_BAD_ENV", { variable, option, reason });
}

function whatWasGot(value: string): string {
  // Kubernetes injects <SERVICE>_PORT=tcp://10.0.0.1:8080 for a Service named
  // like the program: say so, since the variable was not set by the user.
  const hint = value.startsWith("tcp://") ? " (a Kubernetes service link? set enableServiceLinks: false on the pod, or name the Service otherwise)" : "";
  return `got ${JSON.stringify(value)}${hint}`;
}

/**
 * Every flag is also PKGINDEX_<FLAG> (dashes as underscores). yargs' own
 * .env() under .strict() refuses the process when ANY unknown PKGINDEX_*
 * variable exists — Kubernetes injects PKGINDEX_SERVICE_HOST and the like for
 * a Service named pkgindex — so only the variables of known flags are read,
 * and they become the flags' defaults.
 * Unknown PKGINDEX_* variables are ignored.
 *
 * A value that is not of the flag's type (a number, a boolean word, one of
 * the choices) is refused here, naming the variable; range checks come later
 * (options.ts) and are blamed on the variable by blameEnvironment.
 */
export function withEnvDefaults<T extends Record<string, FlagSpec>>(
  options: T,
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv.slice(2),
): T {
  const out: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(options)) {
    const variable = envName(flag);
    // A flag on the command line wins: its variable is not even read (so a
    // stray PKGINDEX_PORT=tcp://… can be overridden with --port).
    const value = onCommandLine(argv, flag) ? undefined : env[variable];
    // `--port` with no value would otherwise be taken silently (as the default).
    const withValue = spec.type === "boolean" ? spec : { ...spec, requiresArg: true };
    if (value === undefined) {
      out[flag] = withValue;
      continue;
    }
    const trimmed = value.trim();
    let parsed: unknown = value;
    if (spec.type === "number") {
      parsed = trimmed === "" ? Number.NaN : Number(trimmed);
      if (Number.isNaN(parsed)) throw badEnv(variable, flag, `expected a number, ${whatWasGot(value)}`);
    } else if (spec.type === "boolean") {
      if (TRUE_WORDS.test(trimmed)) parsed = true;
      else if (FALSE_WORDS.test(trimmed) || trimmed === "") parsed = false;
      else throw badEnv(variable, flag, `expected true or false (also 1/0, yes/no, on/off), ${whatWasGot(value)}`);
    } else if (spec.choices !== undefined && !spec.choices.includes(value)) {
      throw badEnv(variable, flag, `expected one of ${spec.choices.join(", ")}, ${whatWasGot(value)}`);
    }
    fromEnv.set(flag, variable);
    out[flag] = { ...withValue, default: parsed };
  }
  return out as T;
}

/** Whether `--flag`, `--flag=…` or `--no-flag` is among the arguments (before a `--`). */
function onCommandLine(argv: readonly string[], flag: string): boolean {
  for (const arg of argv) {
    if (arg === "--") return false;
    if (arg === `--${flag}` || arg.startsWith(`--${flag}=`) || arg === `--no-${flag}`) return true;
  }
  return false;
}

/**
 * A bad value of a flag that was taken from its environment variable: the
 * error names the variable, which is what the operator has to change.
 */
export function blameEnvironment(err: unknown): unknown {
  if (!isPkgIndexError(err) || err.code !== "PKGI_BAD_OPTION") return err;
  const option = String(err.details.option);
  const variable = fromEnv.get(option);
  return variable === undefined ? err : badEnv(variable, option, String(err.details.reason));
}
