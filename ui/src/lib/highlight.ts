// A small tokenizer for filter/rule expressions (and SQL keywords), rendered as escaped HTML.
const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
export const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ESC[c]!);

const TOKEN =
  /(\/\/[^\n]*|--[^\n]*)|("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?)|(\b\d+(?:\.\d+)?\b)|(@[\w.]+)|(\b(?:true|false|null)\b)|(\?\!?[=~><]=?|!=|!~|>=|<=|&&|\|\||[=~<>])|([\w.]+:\w+|\w+_via_\w+)/g;

const SQL_KEYWORDS =
  /\b(SELECT|FROM|WHERE|AND|OR|NOT|AS|JOIN|LEFT|INNER|OUTER|ON|GROUP|BY|ORDER|LIMIT|OFFSET|HAVING|UNION|ALL|DISTINCT|INSERT|INTO|VALUES|UPDATE|SET|DELETE|CREATE|TABLE|INDEX|UNIQUE|DROP|ALTER|EXPLAIN|QUERY|PLAN|CASE|WHEN|THEN|ELSE|END|IS|NULL|IN|LIKE|COUNT|OVER|ROW_NUMBER|WITH|PRAGMA|ASC|DESC)\b/gi;

/** HTML with `<span class="tok-…">` around strings, numbers, macros, operators and comments. */
export function highlightRule(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    out += escapeHtml(text.slice(last, m.index));
    const kind = m[1]
      ? "comment"
      : m[2]
        ? "string"
        : m[3]
          ? "number"
          : m[4]
            ? "macro"
            : m[5]
              ? "literal"
              : m[6]
                ? "op"
                : "mod";
    out += `<span class="tok-${kind}">${escapeHtml(m[0])}</span>`;
    last = m.index + m[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

export function highlightSql(text: string): string {
  return highlightRule(text).replace(
    /(^|>)([^<]*)/g,
    (_all, a: string, b: string) => a + b.replace(SQL_KEYWORDS, '<span class="tok-kw">$1</span>'),
  );
}
