import type { Rng } from "./rng.ts";

/**
 * The kinds of malformed request every server must answer with `ERROR`
 * (keeping the connection open): the ones the original challenge harness
 * sends, plus the contract's own. Each is malformed whatever names are
 * put in, because a valid name never contains `|` or `,`.
 */
export const MALFORMED_KINDS: readonly { id: string; make: (a: string, b: string) => string }[] = [
  { id: "equals-separator", make: (a, b) => `INDEX|${a}=${b}` },
  { id: "plus-separator", make: (a, b) => `INDEX|${a}+${b}` },
  { id: "snowman-separator", make: (a, b) => `INDEX|${a}\u2603${b}` },
  { id: "space-separator", make: (a, b) => `INDEX|${a} ${b}` },
  { id: "unknown-command-blindex", make: (a, b) => `BLINDEX|${a}|${b}` },
  { id: "unknown-command-removes", make: (a, b) => `REMOVES|${a}|${b}` },
  { id: "unknown-command-quer", make: (a, b) => `QUER|${a}|${b}` },
  { id: "unknown-command-lizard", make: (a, b) => `LIZARD|${a}|${b}` },
  { id: "unknown-command-i", make: (a, b) => `I|${a}|${b}` },
  { id: "empty-line", make: () => "" },
  { id: "empty-name", make: () => "INDEX||" },
  { id: "lowercase-index", make: (a, b) => `index|${a}|${b}` },
  { id: "lowercase-remove", make: (a) => `remove|${a}|` },
  { id: "lowercase-query", make: (a) => `query|${a}|` },
  { id: "four-fields", make: (a, b) => `INDEX|${a}|${b}|${b}` },
];

/** A malformed line (without newline) built from two real package names. */
export function malformedLine(rng: Rng, a: string, b: string): { kind: string; line: string } {
  const kind = MALFORMED_KINDS[rng.int(MALFORMED_KINDS.length)];
  return { kind: kind.id, line: kind.make(a, b) };
}
