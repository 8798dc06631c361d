/**
 * Field `pattern` options are Go (RE2) regular expressions. This compiles them to JS RegExps,
 * translating the Go-only syntax that appears in practice (`(?i)` prefix flags, `(?P<name>`,
 * `\z`, `\A`, `\pL`, `[[:alpha:]]`, `\Q…\E`) and rejecting what RE2 rejects (lookarounds,
 * backreferences). Compiled patterns are cached: options are resolved once, not per request.
 *
 * Security note: unlike RE2, JS regexes backtrack, so a pathological pattern can be slow on
 * hostile input. Patterns are set by superusers only, the same trust level as the schema.
 */

const cache = new Map<string, RegExp | Error>();
const CACHE_LIMIT = 1000;

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/** Compiles a Go regex; returns the Error (with a Go-like message) when it is invalid. */
export function compileGoRegex(pattern: string): RegExp | Error {
  const cached = cache.get(pattern);
  if (cached) return cached;
  const result = compile(pattern);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, result);
  return result;
}

/** Whether `value` contains a match of the Go regex `pattern` (false when it doesn't compile, as in PocketBase). */
export function matchesGoRegex(pattern: string, value: string): boolean {
  const re = compileGoRegex(pattern);
  return re instanceof RegExp && re.test(value);
}

function compile(pattern: string): RegExp | Error {
  let translated: { source: string; flags: string };
  try {
    translated = translate(pattern);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
  try {
    return new RegExp(translated.source, translated.flags + "u");
  } catch {
    // Go accepts escapes such as `\-` or `\:` outside classes that the JS unicode mode rejects.
  }
  try {
    return new RegExp(translated.source, translated.flags);
  } catch (err) {
    const reason =
      err instanceof Error ? err.message.replace(/^Invalid regular expression: \/.*\/\w*: /, "") : "";
    return new Error(`error parsing regexp: ${reason.toLowerCase()}: \`${pattern}\``);
  }
}

function fail(reason: string, pattern: string): never {
  throw new Error(`error parsing regexp: ${reason}: \`${pattern}\``);
}

// Walks UTF-16 units: every syntax character is ASCII, so surrogate pairs pass through intact.
function translate(pattern: string): { source: string; flags: string } {
  let flags = "";
  let i = 0;
  const leading = /^\(\?([imsU]+)\)/.exec(pattern);
  if (leading) {
    // `U` (ungreedy) cannot change whether a pattern matches, only what; tests ignore it.
    flags = [...new Set(leading[1]?.replace(/U/g, ""))].join("");
    i = leading[0].length;
  }
  let out = "";
  let inClass = false;
  while (i < pattern.length) {
    const ch = pattern[i] ?? "";
    const rest = pattern.slice(i);
    if (ch === "\\") {
      const next = pattern[i + 1];
      if (next === undefined) fail("trailing backslash at end of expression", pattern);
      if (next === "Q") {
        const end = pattern.indexOf("\\E", i + 2);
        const literal = pattern.slice(i + 2, end < 0 ? undefined : end);
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      if (/[1-9]/.test(next)) fail(`invalid escape sequence: \`\\${next}\``, pattern);
      if (next === "p" || next === "P") {
        const m = /^\\[pP](?:\{(\^?)(\w+)\}|(\w))/.exec(rest);
        if (!m) fail(`invalid character class range: \`\\${next}\``, pattern);
        const name = m[2] ?? m[3] ?? "";
        const negate = m[1] === "^" ? (next === "p" ? "P" : "p") : next;
        const property = /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
        out += `\\${negate}{${property}}`;
        i += m[0].length;
        continue;
      }
      if (!inClass && next === "z") out += "(?![\\s\\S])";
      else if (!inClass && next === "A") out += "(?<![\\s\\S])";
      else out += ch + next;
      i += 2;
      continue;
    }
    if (inClass) {
      const posixMatch = /^\[:(\^?)(\w+):\]/.exec(rest);
      if (posixMatch) {
        const posix = POSIX[posixMatch[2] ?? ""];
        if (posix === undefined) fail(`invalid character class range: \`${posixMatch[0]}\``, pattern);
        // A negated POSIX class inside a class has no JS equivalent; RE2 allows it, we reject it.
        if (posixMatch[1]) fail(`unsupported negated POSIX class: \`${posixMatch[0]}\``, pattern);
        out += posix;
        i += posixMatch[0].length;
        continue;
      }
      if (ch === "]") inClass = false;
      out += ch === "[" ? "\\[" : ch;
      i++;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      out += "[";
      i++;
      // A leading `]` (or `^]`) is a literal in both dialects but must be escaped in JS.
      if (pattern[i] === "^") {
        out += "^";
        i++;
      }
      if (pattern[i] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (ch === "(" && pattern[i + 1] === "?") {
      const named = /^\(\?P?<(\w+)>/.exec(rest);
      if (named) {
        out += `(?<${named[1]}>`;
        i += named[0].length;
        continue;
      }
      if (rest.startsWith("(?:")) {
        out += "(?:";
        i += 3;
        continue;
      }
      fail(`invalid or unsupported Perl syntax: \`${rest.slice(0, 3)}\``, pattern);
    }
    out += ch;
    i++;
  }
  return { source: out, flags };
}
