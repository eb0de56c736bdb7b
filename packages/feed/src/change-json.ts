// The JSON the feed serves, built once per change and shared by every
// subscriber (never serialized per subscriber).

/** `["a","b"]` from `a,b` (`[]` from the empty string). */
export function depsJson(deps: string): string {
  if (deps === "") return "[]";
  let out = "[";
  let start = 0;
  for (;;) {
    const comma = deps.indexOf(",", start);
    const name = comma === -1 ? deps.slice(start) : deps.slice(start, comma);
    out += start === 0 ? JSON.stringify(name) : `,${JSON.stringify(name)}`;
    if (comma === -1) return `${out}]`;
    start = comma + 1;
  }
}

/** One change: {"rev":N,"command":"INDEX"|"REMOVE","name":…,"deps":[…]}. */
export function changeJson(revision: number, indexed: boolean, name: string, deps: string): string {
  return `{"rev":${revision},"command":"${indexed ? "INDEX" : "REMOVE"}","name":${JSON.stringify(name)},"deps":${indexed ? depsJson(deps) : "[]"}}`;
}
