/**
 * Cryptographically random strings: plain ones from an alphabet (record ids, token keys,
 * secrets, OTPs) and ones generated from a regex pattern (text fields' `autogeneratePattern`).
 */
import { randomInt } from "node:crypto";

/** `[a-z0-9]`: record ids and stored file name suffixes. */
export const LOWER_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789";
/** `[A-Za-z0-9]`: token keys, secrets, random passwords, realtime client ids, OAuth2 state. */
export const ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/** `[0-9]`: OTP codes. */
export const DIGITS = "0123456789";

/** Length of a record id (`[a-z0-9]{15}`). */
export const RECORD_ID_LENGTH = 15;

/** A random string of `length` characters drawn uniformly from `alphabet`. */
export function randomString(length: number, alphabet: string = ALPHANUMERIC): string {
  const chars = [...alphabet];
  if (chars.length === 0) throw new Error("randomString: empty alphabet");
  let out = "";
  for (let i = 0; i < length; i++) out += chars[randomInt(chars.length)];
  return out;
}

/**
 * A random string matching a Go-syntax regex, e.g. `[a-z0-9]{15}` or `users[0-9]{5}`.
 * Supports literals, escapes (`\d \w \s` and negations, `\x41`, `\.`), character classes with
 * ranges and negation, `.`, groups, alternation and the quantifiers `* + ? {n} {n,} {n,m}`
 * (unbounded ones repeat at most 6 times). Negated classes draw from printable ASCII.
 * Anchors and word boundaries cannot be generated and throw, like PocketBase
 * (`unsupported pattern operator N`); malformed patterns throw too.
 */
export function randomStringByRegex(pattern: string): string {
  let node = parsedPatterns.get(pattern);
  if (!node) {
    node = new PatternParser(pattern).parse();
    if (parsedPatterns.size >= PATTERN_CACHE_LIMIT) parsedPatterns.clear();
    parsedPatterns.set(pattern, node);
  }
  return generate(node);
}

/** Parsed patterns: every record create generates its id from its collection's pattern. */
const parsedPatterns = new Map<string, Node>();
const PATTERN_CACHE_LIMIT = 200;

// ---------------------------------------------------------------------------------------------
// A tiny regex AST: just what generation needs.

type Node =
  | { kind: "chars"; ranges: readonly (readonly [number, number])[] }
  | { kind: "literal"; text: string }
  | { kind: "concat"; items: readonly Node[] }
  | { kind: "alternate"; options: readonly Node[] }
  | { kind: "repeat"; item: Node; min: number; max: number };

/** How many times `*` and `+` repeat at most (PocketBase's default). */
const MAX_UNBOUNDED_REPEAT = 6;
/** Go's regexp limit for `{n,m}` counts. */
const MAX_REPEAT_COUNT = 1000;

const DIGIT_RANGES: readonly [number, number][] = [[0x30, 0x39]];
const WORD_RANGES: readonly [number, number][] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SPACE_RANGES: readonly [number, number][] = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];
const ANY_CHAR_RANGES: readonly [number, number][] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];
const PRINTABLE_ASCII: readonly [number, number] = [0x20, 0x7e];

// Go's regexp/syntax Op numbers, used in PocketBase's error message for ungeneratable parts.
const OP_EMPTY_MATCH = 2;
const OP_BEGIN_TEXT = 9;
const OP_END_TEXT = 10;
const OP_WORD_BOUNDARY = 11;
const OP_NO_WORD_BOUNDARY = 12;

class PatternParser {
  readonly #src: readonly string[];
  readonly #pattern: string;
  #pos = 0;

  constructor(pattern: string) {
    this.#pattern = pattern;
    this.#src = [...pattern];
  }

  parse(): Node {
    const node = this.#alternation();
    if (this.#pos < this.#src.length) this.#fail("unexpected )");
    if (node.kind === "concat" && node.items.length === 0) unsupported(OP_EMPTY_MATCH);
    return node;
  }

  #peek(): string | undefined {
    return this.#src[this.#pos];
  }

  #fail(reason: string): never {
    throw new Error(`error parsing regexp: ${reason}: \`${this.#pattern}\``);
  }

  #alternation(): Node {
    const options = [this.#concat()];
    while (this.#peek() === "|") {
      this.#pos++;
      options.push(this.#concat());
    }
    return options.length === 1 && options[0] ? options[0] : { kind: "alternate", options };
  }

  #concat(): Node {
    const items: Node[] = [];
    for (let ch = this.#peek(); ch !== undefined && ch !== "|" && ch !== ")"; ch = this.#peek()) {
      const atom = this.#atom();
      items.push(this.#quantified(atom));
    }
    return items.length === 1 && items[0] ? items[0] : { kind: "concat", items };
  }

  #quantified(atom: Node): Node {
    let node = atom;
    for (;;) {
      const ch = this.#peek();
      let bounds: [number, number] | null = null;
      if (ch === "*") bounds = [0, -1];
      else if (ch === "+") bounds = [1, -1];
      else if (ch === "?") bounds = [0, 1];
      else if (ch === "{") bounds = this.#braces();
      if (bounds === null) return node;
      if (ch !== "{") this.#pos++;
      if (this.#peek() === "?") this.#pos++; // lazy: irrelevant for generation
      if (node.kind === "repeat" && ch !== "{") this.#fail(`invalid nested repetition operator`);
      node = { kind: "repeat", item: node, min: bounds[0], max: bounds[1] };
    }
  }

  /** Parses `{n}`, `{n,}` or `{n,m}`; a brace that is not a valid repeat is a literal in Go. */
  #braces(): [number, number] | null {
    const rest = this.#src.slice(this.#pos).join("");
    const m = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
    if (min > MAX_REPEAT_COUNT || max > MAX_REPEAT_COUNT || (max !== -1 && max < min)) {
      this.#fail(`invalid repeat count`);
    }
    this.#pos += [...m[0]].length;
    return [min, max];
  }

  #atom(): Node {
    const ch = this.#peek() ?? "";
    this.#pos++;
    switch (ch) {
      case "(":
        return this.#group();
      case "[":
        return { kind: "chars", ranges: this.#charClass() };
      case ".":
        return { kind: "chars", ranges: ANY_CHAR_RANGES };
      case "^":
        return unsupported(OP_BEGIN_TEXT);
      case "$":
        return unsupported(OP_END_TEXT);
      case "\\":
        return this.#escape();
      case "*":
      case "+":
      case "?":
        return this.#fail(`missing argument to repetition operator`);
      default:
        return { kind: "literal", text: ch };
    }
  }

  #group(): Node {
    if (this.#peek() === "?") {
      const rest = this.#src.slice(this.#pos).join("");
      const named = /^\?P?<\w+>/.exec(rest);
      if (named) this.#pos += named[0].length;
      else if (rest.startsWith("?:")) this.#pos += 2;
      else this.#fail("invalid or unsupported Perl syntax");
    }
    const inner = this.#alternation();
    if (this.#peek() !== ")") this.#fail("missing closing )");
    this.#pos++;
    return inner;
  }

  #escape(): Node {
    const ch = this.#peek();
    if (ch === undefined) this.#fail("trailing backslash at end of expression");
    this.#pos++;
    switch (ch) {
      case "A":
        return unsupported(OP_BEGIN_TEXT);
      case "z":
        return unsupported(OP_END_TEXT);
      case "b":
        return unsupported(OP_WORD_BOUNDARY);
      case "B":
        return unsupported(OP_NO_WORD_BOUNDARY);
      default: {
        const ranges = this.#escapeRanges(ch);
        return { kind: "chars", ranges };
      }
    }
  }

  /** Ranges of an escape (after the backslash), shared by classes and top-level escapes. */
  #escapeRanges(ch: string): readonly (readonly [number, number])[] {
    switch (ch) {
      case "d":
        return DIGIT_RANGES;
      case "D":
        return complement(DIGIT_RANGES);
      case "w":
        return WORD_RANGES;
      case "W":
        return complement(WORD_RANGES);
      case "s":
        return SPACE_RANGES;
      case "S":
        return complement(SPACE_RANGES);
      case "n":
        return single(0x0a);
      case "t":
        return single(0x09);
      case "r":
        return single(0x0d);
      case "f":
        return single(0x0c);
      case "v":
        return single(0x0b);
      case "x":
        return single(this.#hexEscape());
      default:
        if (/[\p{L}\p{N}]/u.test(ch)) this.#fail(`invalid escape sequence \\${ch}`);
        return single(ch.codePointAt(0) ?? 0);
    }
  }

  #hexEscape(): number {
    const rest = this.#src.slice(this.#pos).join("");
    const m = /^(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{2}))/.exec(rest);
    if (!m) this.#fail("invalid escape sequence \\x");
    this.#pos += m[0].length;
    return parseInt(m[1] ?? m[2] ?? "0", 16);
  }

  #charClass(): readonly (readonly [number, number])[] {
    let negated = false;
    if (this.#peek() === "^") {
      negated = true;
      this.#pos++;
    }
    const ranges: (readonly [number, number])[] = [];
    let first = true;
    for (;;) {
      const ch = this.#peek();
      if (ch === undefined) this.#fail("missing closing ]");
      if (ch === "]" && !first) {
        this.#pos++;
        break;
      }
      first = false;
      const lo = this.#classItem();
      if (lo.length === 1 && this.#peek() === "-" && this.#src[this.#pos + 1] !== "]") {
        this.#pos++;
        const hi = this.#classItem();
        const [lower] = lo;
        const [upper] = hi;
        if (!lower || !upper || hi.length !== 1 || lower[0] !== lower[1] || upper[0] !== upper[1]) {
          this.#fail("invalid character class range");
        }
        if (upper[0] < lower[0]) this.#fail("invalid character class range");
        ranges.push([lower[0], upper[0]]);
      } else {
        ranges.push(...lo);
      }
    }
    const result = negated ? complement(ranges) : ranges;
    if (result.length === 0) this.#fail("empty character class");
    return result;
  }

  #classItem(): readonly (readonly [number, number])[] {
    const ch = this.#peek() ?? "";
    this.#pos++;
    if (ch === "[" && this.#peek() === ":") {
      const rest = this.#src.slice(this.#pos).join("");
      const m = /^:(\^?)(\w+):\]/.exec(rest);
      if (m) {
        const posix = POSIX_CLASSES[m[2] ?? ""];
        if (!posix) this.#fail("invalid character class range");
        this.#pos += m[0].length;
        return m[1] ? complement(posix) : posix;
      }
    }
    if (ch === "\\") {
      const esc = this.#peek();
      if (esc === undefined) this.#fail("trailing backslash at end of expression");
      this.#pos++;
      return this.#escapeRanges(esc);
    }
    return single(ch.codePointAt(0) ?? 0);
  }
}

const POSIX_CLASSES: Record<string, readonly (readonly [number, number])[]> = {
  alnum: ANY_CHAR_RANGES,
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  digit: DIGIT_RANGES,
  lower: [[0x61, 0x7a]],
  upper: [[0x41, 0x5a]],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  word: WORD_RANGES,
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

function unsupported(op: number): never {
  throw new Error(`unsupported pattern operator ${op}`);
}

function single(cp: number): readonly (readonly [number, number])[] {
  return [[cp, cp]];
}

/** Printable ASCII minus the given ranges (negated classes only generate printable ASCII). */
function complement(ranges: readonly (readonly [number, number])[]): (readonly [number, number])[] {
  const out: [number, number][] = [];
  let start = PRINTABLE_ASCII[0];
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  for (const [lo, hi] of sorted) {
    if (hi < start) continue;
    if (lo > PRINTABLE_ASCII[1]) break;
    if (lo > start) out.push([start, lo - 1]);
    start = Math.max(start, hi + 1);
  }
  if (start <= PRINTABLE_ASCII[1]) out.push([start, PRINTABLE_ASCII[1]]);
  return out;
}

function generate(node: Node): string {
  switch (node.kind) {
    case "literal":
      return node.text;
    case "chars":
      return randomFromRanges(node.ranges);
    case "concat":
      return node.items.map(generate).join("");
    case "alternate": {
      const option = node.options[randomInt(node.options.length)];
      return option ? generate(option) : "";
    }
    case "repeat": {
      const max = node.max < 0 ? Math.max(node.min, MAX_UNBOUNDED_REPEAT) : node.max;
      const count = node.min + randomInt(max - node.min + 1);
      let out = "";
      for (let i = 0; i < count; i++) out += generate(node.item);
      return out;
    }
  }
}

function randomFromRanges(ranges: readonly (readonly [number, number])[]): string {
  let total = 0;
  for (const [lo, hi] of ranges) total += hi - lo + 1;
  let pick = randomInt(total);
  for (const [lo, hi] of ranges) {
    const size = hi - lo + 1;
    if (pick < size) return String.fromCodePoint(lo + pick);
    pick -= size;
  }
  throw new Error("randomFromRanges: unreachable");
}
