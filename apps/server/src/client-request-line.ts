/**
 * The protocol line for what a person typed, redis-cli style: words
 * (`INDEX openssl zlib,ca-certificates`, or deps as separate words
 * `INDEX openssl zlib ca-certificates`; the command in any case) or a raw
 * protocol line, recognised by its `|`, sent exactly as given. Nothing is
 * validated here: the server's ERROR is the answer a person wants to see.
 */
export function requestLine(words: readonly string[]): string {
  if (words.some((w) => w.includes("|"))) return words.join(" ");
  const [command = "", name = "", ...deps] = words;
  return `${command.toUpperCase()}|${name}|${deps.join(",")}`;
}

/** Splits a typed line into words on runs of blanks. */
export function splitWords(typed: string): string[] {
  const trimmed = typed.trim();
  return trimmed === "" ? [] : trimmed.split(/\s+/);
}
