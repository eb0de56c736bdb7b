/**
 * What makes a generated SVG unreadable, as a list (empty: fine): the
 * root element, balanced tags, attribute values without NaN or Infinity,
 * and text without a bare `<` or `&`. A stand-in for an XML parser, which
 * the bench does not otherwise need.
 */
export function svgProblems(svg: string): string[] {
  const problems: string[] = [];
  if (!svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')) problems.push("does not start with an <svg> root");
  if (!svg.trimEnd().endsWith("</svg>")) problems.push("does not end with </svg>");
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const text = svg.slice(at, m.index);
    if (/[<>]/.test(text)) problems.push(`stray markup before ${m[0].slice(0, 30)}`);
    if (/&(?!amp;|lt;|gt;|quot;)/.test(text)) problems.push(`bare & in ${JSON.stringify(text.slice(0, 30))}`);
    at = m.index + m[0].length;
    if (/NaN|Infinity|undefined/.test(m[3])) problems.push(`bad attribute in ${m[0].slice(0, 60)}`);
    if (m[1] === "/") {
      if (stack.pop() !== m[2]) problems.push(`</${m[2]}> closes nothing open`);
    } else if (m[4] !== "/") stack.push(m[2]);
  }
  if (svg.slice(at).trim() !== "") problems.push("text after the last tag");
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(", ")}`);
  return problems;
}
