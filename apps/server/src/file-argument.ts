/**
 * A FILE positional as given. yargs hands a lone `-` over as an empty
 * string, so "" means `-` (stdin or stdout); an empty name could not be a
 * file anyway.
 */
export function fileArgument(value: string | undefined): string | undefined {
  return value === "" ? "-" : value;
}
