/**
 * PocketBase's `~` / `!~` value handling. A literal right operand means "contains": unless the
 * user wrote an unescaped `%` themselves, the LIKE wildcards `%` and `_` (and the escape
 * character `\`) in it are escaped and the value is wrapped in `%…%`. With an unescaped `%` the
 * value is used verbatim as a LIKE pattern, so `title ~ "abc%"` means "starts with abc".
 */

/** True when `text` contains `char` not preceded by an escaping backslash (`\\` escapes itself). */
export function hasUnescapedChar(text: string, char: string): boolean {
  let escaped = false;
  for (const c of text) {
    if (c === char && !escaped) return true;
    escaped = c === "\\" && !escaped;
  }
  return false;
}

/**
 * Escapes `\`, `%` and `_` with a backslash, leaving pairs the user already escaped (`\%`, `\_`,
 * `\\`) as they are.
 *
 * PocketBase scans right to left and skips the character right after a match, so it leaves the
 * first of two adjacent wildcards unescaped (`a__b` → `a_\_b`). We escape both, which is what the
 * "contains" promise means; see the report on this deviation.
 */
export function escapeLikeText(text: string): string {
  let result = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\") {
      const next = text[i + 1];
      if (next === "\\" || next === "%" || next === "_") {
        result += c + next;
        i++;
      } else {
        result += "\\\\";
      }
    } else if (c === "%" || c === "_") {
      result += "\\" + c;
    } else {
      result += c;
    }
  }
  return result;
}

/** The LIKE pattern PocketBase binds for a literal right operand of `~` / `!~`. */
export function likePattern(value: string): string {
  return hasUnescapedChar(value, "%") ? value : `%${escapeLikeText(value)}%`;
}

/**
 * Text of a constant as Go's `cast.ToString` spells it: numbers without exponent notation
 * (`1e21` → `1000000000000000000000`), booleans as `true`/`false`.
 */
export function constantText(value: string | number | boolean | bigint): string {
  if (typeof value !== "number") return String(value);
  const text = String(value);
  const exponentAt = text.indexOf("e");
  if (exponentAt === -1) return text;
  // Expand the shortest round-trip digits JS printed, as Go's FormatFloat(f, 'f', -1) does.
  const negative = text.startsWith("-");
  const mantissa = text.slice(negative ? 1 : 0, exponentAt);
  const exponent = Number(text.slice(exponentAt + 1));
  const [whole = "", fraction = ""] = mantissa.split(".");
  const digits = whole + fraction;
  const point = whole.length + exponent;
  let expanded: string;
  if (point <= 0) expanded = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) expanded = digits + "0".repeat(point - digits.length);
  else expanded = digits.slice(0, point) + "." + digits.slice(point);
  return (negative ? "-" : "") + expanded;
}
