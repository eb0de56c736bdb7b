/**
 * Options whose value is itself a command line or serve flags
 * (`--pkgindex "--workers 3 --store memory"`).
 */
export const COMMAND_LINE_OPTIONS = ["pkgindex", "pkgindex-args", "start", "external", "variants"] as const;

/**
 * yargs-parser takes a word that starts with `-` for the next option, never
 * for a value, so `--pkgindex "--workers 3 --store memory"` failed with
 * "Unknown argument: workers 3 --store memory". The value of these options
 * is always the next word: joined to its option (`--pkgindex=…`), which
 * yargs reads as a value whatever it starts with.
 */
export function attachCommandLineValues(argv: readonly string[], names: readonly string[] = COMMAND_LINE_OPTIONS): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith("--") && names.includes(arg.slice(2)) && i + 1 < argv.length) {
      out.push(`${arg}=${argv[++i]}`);
    } else {
      out.push(arg);
    }
  }
  return out;
}
