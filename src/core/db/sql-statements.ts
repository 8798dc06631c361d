/**
 * Splits an SQL script into its statements at top-level semicolons (outside quotes, bracketed
 * names and comments). node:sqlite compiles only the first statement of a string, so the SQL
 * console runs the pieces one by one. Trigger bodies (`BEGIN … END`) are not understood: scripts
 * with them go to `exec`, which takes a whole script.
 */

/** The statements of `script`, trimmed, empty ones dropped. */
export function splitSqlStatements(script: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = script.length;
  const skipTo = (close: string, from: number) => {
    const end = script.indexOf(close, from);
    return end < 0 ? n : end + close.length;
  };
  while (i < n) {
    const ch = script[i]!;
    if (ch === "'" || ch === '"' || ch === "`") {
      // a doubled quote escapes itself: skipping to the next quote handles it in two steps
      i = skipTo(ch, i + 1);
    } else if (ch === "[") {
      i = skipTo("]", i + 1);
    } else if (ch === "-" && script[i + 1] === "-") {
      i = skipTo("\n", i + 2);
    } else if (ch === "/" && script[i + 1] === "*") {
      i = skipTo("*/", i + 2);
    } else if (ch === ";") {
      out.push(script.slice(start, i));
      start = ++i;
    } else {
      i++;
    }
  }
  out.push(script.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== "" && !isOnlyComments(s));
}

function isOnlyComments(sql: string): boolean {
  return (
    sql
      .replace(/--[^\n]*(\n|$)/g, "")
      .replace(/\/\*[\s\S]*?(\*\/|$)/g, "")
      .trim() === ""
  );
}
