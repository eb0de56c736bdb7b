import { readFileSync } from "node:fs";

/** One command line a README shows, continuation lines joined, a trailing `# comment` dropped. */
export interface ReadmeCommand {
  file: string;
  line: number;
  command: string;
}

const SHELL_FENCES = new Set(["", "sh", "bash", "shell", "console"]);

/** Drops a `#` comment that is not inside quotes. */
function stripComment(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
      return text.slice(0, i).trimEnd();
    }
  }
  return text.trimEnd();
}

/**
 * Every command line of a Markdown file: the lines of fenced code blocks
 * in a shell language (or none) and of indented code blocks (four spaces
 * after a blank line), with `\` continuations joined and comments dropped.
 */
export function readmeCommands(file: string): ReadmeCommand[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const out: ReadmeCommand[] = [];
  let fence: string | null = null;
  let indented = false;
  let pending: { line: number; text: string } | null = null;
  const take = (index: number, raw: string): void => {
    const text = pending === null ? raw.trim() : `${pending.text} ${raw.trim()}`;
    const start = pending?.line ?? index + 1;
    if (text.endsWith("\\")) {
      pending = { line: start, text: text.slice(0, -1).trimEnd() };
      return;
    }
    pending = null;
    const command = stripComment(text);
    if (command !== "") out.push({ file, line: start, command });
  };
  for (const [i, line] of lines.entries()) {
    const opening = /^```(\w*)/.exec(line);
    if (fence !== null) {
      if (line.startsWith("```")) fence = null;
      else if (SHELL_FENCES.has(fence)) take(i, line);
      continue;
    }
    if (opening !== null) {
      fence = opening[1];
      indented = false;
      continue;
    }
    if (line.trim() === "") continue; // blank lines neither open nor end an indented block
    if (/^ {4}/.test(line) && (indented || i === 0 || lines[i - 1].trim() === "")) {
      indented = true;
      take(i, line);
      continue;
    }
    indented = false;
  }
  return out;
}

/** Splits a command line into words as sh would (quotes; no expansions). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const c of text) {
    if (quote !== null) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}
