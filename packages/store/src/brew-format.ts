import { type BrewEntry, BrewFormatError, parseBrew as parseBrewText } from "@pkgindex/brew-format";
import { PkgIndexError } from "@pkgindex/errors";

/**
 * Parses brew-format text for `pkgindex load` (the one parser, in
 * @pkgindex/brew-format), its refusals as PkgIndexError("PKGI_LOAD_FILE")
 * naming `source` and the line. When `lines` is given, the line number of
 * entry i is pushed to it (pass it on as bulkLoad's `lines`, so its refusals
 * name lines).
 */
export function parseBrew(text: string, source = "<input>", lines?: number[]): BrewEntry[] {
  try {
    return parseBrewText(text, lines);
  } catch (err) {
    if (err instanceof BrewFormatError) throw new PkgIndexError("PKGI_LOAD_FILE", { path: source, reason: err.message });
    throw err;
  }
}
