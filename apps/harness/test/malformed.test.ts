import { array, assert, integer, property } from "fast-check";
import { createLineShape, scanLine } from "@pkgindex/protocol";
import { describe, expect, it } from "vitest";
import { MALFORMED_KINDS, malformedLine, Rng } from "../src/index.ts";

// A valid name: printable ASCII other than `|` and `,`.
const nameArb = array(integer({ min: 0x21, max: 0x7e }).filter((c) => c !== 0x7c && c !== 0x2c), { minLength: 1, maxLength: 40 })
  .map((codes) => String.fromCharCode(...codes));

const isMalformed = (line: string): boolean => {
  const bytes = Buffer.from(line, "utf8");
  return scanLine(bytes, 0, bytes.length, createLineShape()) !== 0;
};

function pick(seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: 400 }, () => malformedLine(rng, "a", "b").kind);
}

describe("malformed lines", () => {
  it("covers every kind the foundation issue lists", () => {
    const lines = MALFORMED_KINDS.map((k) => k.make("emacs", "elisp"));
    expect(lines).toEqual(
      expect.arrayContaining([
        "INDEX|emacs=elisp", "INDEX|emacs+elisp", "INDEX|emacs\u2603elisp", "INDEX|emacs elisp",
        "BLINDEX|emacs|elisp", "REMOVES|emacs|elisp", "QUER|emacs|elisp", "LIZARD|emacs|elisp", "I|emacs|elisp",
        "", "INDEX||", "index|emacs|elisp", "INDEX|emacs|elisp|elisp",
      ]),
    );
  });

  it("every kind is malformed per the protocol package, whatever valid names go in", () => {
    assert(
      property(nameArb, nameArb, (a, b) => {
        const accepted = MALFORMED_KINDS.map((kind) => kind.make(a, b)).filter((line) => !isMalformed(line));
        expect(accepted).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("picks kinds reproducibly from the seed and reaches all of them", () => {
    expect(pick(4)).toEqual(pick(4));
    expect(new Set(pick(4)).size).toBe(MALFORMED_KINDS.length);
  });
});
