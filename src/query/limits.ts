/**
 * Size limits for filters and sorts. The first four mirror PocketBase (client `?filter=` and
 * `?sort=` parameters); the nesting limit is ours: it bounds the parser's recursion so that
 * hostile input (e.g. 100k "(") gets a clear error instead of a stack overflow.
 */

/** Limits applied while parsing one filter string. */
export interface FilterLimits {
  /** Maximum filter length in UTF-8 bytes (PocketBase: 3500, measured like Go's `len`). */
  readonly maxLength: number;
  /** Maximum number of `operand OP operand` expressions (PocketBase: 200). */
  readonly maxExpressions: number;
  /** Maximum parenthesis nesting depth. */
  readonly maxDepth: number;
  /** Maximum function nesting (`f(g(x))` is 2 levels; PocketBase: 2). */
  readonly maxFunctionDepth: number;
}

/** PocketBase's limits for client filters, plus a generous parenthesis depth. */
export const DEFAULT_FILTER_LIMITS: FilterLimits = Object.freeze({
  maxLength: 3500,
  maxExpressions: 200,
  maxDepth: 100,
  maxFunctionDepth: 2,
});

/** Limits applied while parsing one sort string. */
export interface SortLimits {
  /** Maximum number of comma separated sort fields (PocketBase: 8). */
  readonly maxFields: number;
  /** Maximum length of one sort field expression (PocketBase: 255). */
  readonly maxFieldLength: number;
}

/** PocketBase's sort limits. */
export const DEFAULT_SORT_LIMITS: SortLimits = Object.freeze({ maxFields: 8, maxFieldLength: 255 });

/** Maximum number of `strftime` arguments (format + time value + up to 8 modifiers). */
export const MAX_STRFTIME_ARGS = 10;

/**
 * UTF-8 byte length of `text`, stopping early once it exceeds `cap` so a megabyte of hostile
 * input costs no more than `cap` iterations.
 */
export function utf8LengthUpTo(text: string, cap: number): number {
  if (text.length > cap) return cap + 1; // every UTF-16 unit is at least one byte
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
    if (bytes > cap) return bytes;
  }
  return bytes;
}
