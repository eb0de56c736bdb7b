import { PkgIndexError } from "@pkgindex/errors";

export const COMMANDS = ["serve", "dump", "load", "backup", "client"] as const;

/** The command the arguments name (the first word), if it is one of ours. */
export function commandOf(argv: readonly string[]): string | undefined {
  const first = argv.find((a) => !a.startsWith("-"));
  return first !== undefined && (COMMANDS as readonly string[]).includes(first) ? first : undefined;
}

function asTyped(name: string, argv: readonly string[]): string {
  if (argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `--no-${name}`)) return `--${name}`;
  if (name.length === 1 && argv.some((a) => /^-[^-]/.test(a) && a.includes(name))) return `-${name}`;
  return name;
}

/**
 * yargs' own complaints (unknown options, a value outside the choices, a
 * missing value or argument) as the catalogue's errors, so every option
 * error reads alike: `pkgindex: [PKGI_…] …, naming the option`. yargs'
 * wording is matched here and nowhere else.
 */
export function usageError(message: string, argv: readonly string[]): PkgIndexError {
  const command = commandOf(argv);
  const help = command === undefined ? "pkgindex --help" : `pkgindex ${command} --help`;
  const text = message.replace(/\s+/g, " ").trim();

  const choice = /Argument: ([\w-]+), Given: (.*?), Choices: (.*)$/.exec(text);
  if (choice !== null) {
    const choices = choice[3].split(", ").map((c) => c.replace(/^"|"$/g, ""));
    return new PkgIndexError("PKGI_BAD_OPTION", { option: choice[1], reason: `expected one of ${choices.join(", ")}, got ${choice[2]}` });
  }
  const noValue = /^Not enough arguments following: ([\w-]+)/.exec(text);
  if (noValue !== null) return new PkgIndexError("PKGI_BAD_OPTION", { option: noValue[1], reason: "expected a value after it" });

  const unknown = /^Unknown arguments?: (.*)$/.exec(text);
  if (unknown !== null) {
    const names = unknown[1].split(", ").map((n) => asTyped(n, argv));
    if (command === undefined && names[0] !== undefined && !names[0].startsWith("-")) {
      return new PkgIndexError("PKGI_USAGE", { reason: `unknown command ${names[0]}: name one of ${COMMANDS.join(", ")}`, help });
    }
    const options = names.filter((n) => n.startsWith("-"));
    if (options.length > 0) return new PkgIndexError("PKGI_UNKNOWN_OPTION", { option: options.join(", "), help });
    return new PkgIndexError("PKGI_USAGE", { reason: `unexpected argument${names.length > 1 ? "s" : ""} ${names.join(" ")}`, help });
  }
  if (text.startsWith("Not enough non-option arguments: got 0")) {
    const reason =
      command === undefined ? `name a command: ${COMMANDS.join(", ")}` : command === "load" ? "name the file to load (- reads stdin)" : `pkgindex ${command} needs more arguments`;
    return new PkgIndexError("PKGI_USAGE", { reason, help });
  }
  const first = text.charAt(0).toLowerCase() + text.slice(1);
  return new PkgIndexError("PKGI_USAGE", { reason: first, help });
}

/** Exit status 2 means "you asked for something wrong" (as yargs, getopt and most tools). */
export function isUsageError(err: unknown): boolean {
  return err instanceof PkgIndexError && ["PKGI_BAD_OPTION", "PKGI_BAD_ENV", "PKGI_UNKNOWN_OPTION", "PKGI_USAGE"].includes(err.code);
}
