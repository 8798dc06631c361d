/**
 * Tokenizer for PocketBase's filter language (the grammar of ganigeorgiev/fexpr v0.6).
 *
 * Lexical rules, as fexpr scans them:
 * - whitespace is space, tab and newline only; `// …` runs to the end of the line;
 * - identifiers start with a letter, `_`, `@` or `#`, continue with letters, digits, `_`, `.`, `:`
 *   and must end with a letter, digit or `_` (`@request.auth.id`, `tags:each`; not `a.` or `@`);
 * - an identifier immediately followed by `(` is a function name;
 * - numbers are `-?digits(.digits)?`; `1.` and a lone `-` are errors;
 * - texts are quoted with `'` or `"`; a backslash escapes only the quote character that opened
 *   the text (`"a\"b"` → `a"b`, `"a\'b"` → `a\'b`), every other backslash is kept verbatim;
 * - operators are maximal runs of `= ! < > ~ ?`, joins maximal runs of `& |`, so `=!=` and
 *   `&&||` are errors rather than two tokens.
 * Letters are ASCII only, as in fexpr; any other character is an error.
 */
import { FilterError, quoteForMessage } from "./errors.ts";

/** Token categories produced by the lexer. */
export type TokenType =
  "identifier" | "function" | "number" | "text" | "operator" | "join" | "(" | ")" | "," | "eof";

/** One scanned token; `value` is the decoded text (quotes and escapes removed for texts). */
export interface Token {
  readonly type: TokenType;
  readonly value: string;
  /** Offset of the first character. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
}

/** The comparison operators, plain and "any-of" (`?`) forms. */
export const COMPARISON_OPERATORS = [
  "=",
  "!=",
  ">",
  ">=",
  "<",
  "<=",
  "~",
  "!~",
  "?=",
  "?!=",
  "?>",
  "?>=",
  "?<",
  "?<=",
  "?~",
  "?!~",
] as const;

/** One of the 16 comparison operators. */
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

const OPERATOR_SET: ReadonlySet<string> = new Set(COMPARISON_OPERATORS);

/** True when `text` is one of the 16 comparison operators. */
export function isComparisonOperator(text: string): text is ComparisonOperator {
  return OPERATOR_SET.has(text);
}

const IDENTIFIER_PATTERN = /^[@#]?[\w.:]*\w$/;

/** True when `text` is a complete, valid identifier (used for sort fields too). */
export function isValidIdentifier(text: string): boolean {
  return IDENTIFIER_PATTERN.test(text) && isIdentifierStart(text.charCodeAt(0));
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdentifierStart(c: number): boolean {
  return isLetter(c) || c === 95 /* _ */ || c === 64 /* @ */ || c === 35; /* # */
}
function isIdentifierPart(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 95 || c === 46 /* . */ || c === 58; /* : */
}
function isWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 10;
}
function isOperatorChar(c: number): boolean {
  // = ! < > ~ ?
  return c === 61 || c === 33 || c === 60 || c === 62 || c === 126 || c === 63;
}
function isJoinChar(c: number): boolean {
  return c === 38 /* & */ || c === 124; /* | */
}

/** Pull-based scanner: the parser asks for one token at a time and stops at the first error. */
export class Lexer {
  readonly input: string;
  private index = 0;

  constructor(input: string) {
    this.input = input;
  }

  /** Scans the next significant token, skipping whitespace and comments. */
  next(): Token {
    this.skipTrivia();
    const input = this.input;
    const start = this.index;
    if (start >= input.length) return { type: "eof", value: "", start, end: start };
    const c = input.charCodeAt(start);

    if (isIdentifierStart(c)) return this.scanIdentifier(start);
    if (isDigit(c) || c === 45 /* - */) return this.scanNumber(start);
    if (c === 39 /* ' */ || c === 34 /* " */) return this.scanText(start, c);
    if (isOperatorChar(c)) return this.scanRun(start, isOperatorChar, "operator");
    if (isJoinChar(c)) return this.scanRun(start, isJoinChar, "join");
    if (c === 40 || c === 41 || c === 44) {
      this.index++;
      const type = c === 40 ? "(" : c === 41 ? ")" : ",";
      return { type, value: type, start, end: start + 1 };
    }
    throw new FilterError(
      "syntax",
      `Unexpected character ${quoteForMessage(String.fromCodePoint(input.codePointAt(start) ?? c))} at position ${start}.`,
      start,
    );
  }

  private skipTrivia(): void {
    const input = this.input;
    for (;;) {
      const c = input.charCodeAt(this.index);
      if (isWhitespace(c)) {
        this.index++;
      } else if (c === 47 /* / */) {
        if (input.charCodeAt(this.index + 1) !== 47) {
          throw new FilterError(
            "syntax",
            `Unexpected "/" at position ${this.index} (comments start with "//").`,
            this.index,
          );
        }
        const newline = input.indexOf("\n", this.index + 2);
        this.index = newline === -1 ? input.length : newline + 1;
      } else {
        return;
      }
    }
  }

  private scanIdentifier(start: number): Token {
    const input = this.input;
    let i = start + 1;
    while (i < input.length && isIdentifierPart(input.charCodeAt(i))) i++;
    this.index = i;
    const value = input.slice(start, i);
    if (!IDENTIFIER_PATTERN.test(value)) {
      throw new FilterError(
        "syntax",
        `Invalid identifier ${quoteForMessage(value)} at position ${start} (identifiers must end with a letter, digit or "_").`,
        start,
      );
    }
    const type = input.charCodeAt(i) === 40 /* ( */ ? "function" : "identifier";
    return { type, value, start, end: i };
  }

  private scanNumber(start: number): Token {
    const input = this.input;
    let i = start;
    if (input.charCodeAt(i) === 45) i++;
    const digitsStart = i;
    while (isDigit(input.charCodeAt(i))) i++;
    let valid = i > digitsStart;
    if (valid && input.charCodeAt(i) === 46 /* . */) {
      i++;
      const fractionStart = i;
      while (isDigit(input.charCodeAt(i))) i++;
      valid = i > fractionStart;
    }
    this.index = i;
    const value = input.slice(start, i);
    if (!valid || !Number.isFinite(Number(value))) {
      throw new FilterError(
        "syntax",
        `Invalid number ${quoteForMessage(value)} at position ${start}.`,
        start,
      );
    }
    return { type: "number", value, start, end: i };
  }

  private scanText(start: number, quote: number): Token {
    const input = this.input;
    let value = "";
    let chunkStart = start + 1;
    for (let i = start + 1; i < input.length; i++) {
      const c = input.charCodeAt(i);
      if (c === 92 /* \ */ && input.charCodeAt(i + 1) === quote) {
        // an escaped quote: keep the text so far, drop the backslash
        value += input.slice(chunkStart, i);
        chunkStart = i + 1;
        i++;
      } else if (c === quote) {
        value += input.slice(chunkStart, i);
        this.index = i + 1;
        return { type: "text", value, start, end: i + 1 };
      }
    }
    this.index = input.length;
    throw new FilterError(
      "syntax",
      `Unterminated text starting at position ${start}: missing closing ${String.fromCharCode(quote)} (a backslash before a quote escapes it).`,
      start,
    );
  }

  private scanRun(start: number, accepts: (c: number) => boolean, type: "operator" | "join"): Token {
    const input = this.input;
    let i = start + 1;
    while (i < input.length && accepts(input.charCodeAt(i))) i++;
    this.index = i;
    const value = input.slice(start, i);
    const valid = type === "operator" ? OPERATOR_SET.has(value) : value === "&&" || value === "||";
    if (!valid) {
      const expected = type === "operator" ? "= != > >= < <= ~ !~ or their ?-forms" : "&& or ||";
      throw new FilterError(
        "syntax",
        `Invalid ${type} ${quoteForMessage(value)} at position ${start} (expected ${expected}).`,
        start,
      );
    }
    return { type, value, start, end: i };
  }
}

/** Scans the whole input into tokens (ending with `eof`); mostly for tests and tooling. */
export function tokenize(input: string): Token[] {
  const lexer = new Lexer(input);
  const tokens: Token[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.type === "eof") return tokens;
  }
}
