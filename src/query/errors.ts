/**
 * The one error type of the filter engine. The API layer turns it into PocketBase's 400
 * (or 403 for `forbidden`) response; anything else thrown from `query/` is a bug.
 */

/** What went wrong, so callers can pick a status code without parsing messages. */
export type FilterErrorCode =
  /** The text does not follow the grammar (bad token, missing operand, unbalanced parens…). */
  | "syntax"
  /** A length, count or nesting limit was exceeded. */
  | "limit"
  /** An identifier the resolver does not know (or may not expose). */
  | "unknown_field"
  /** A known identifier the requester may not use (e.g. `@request.*` in a client filter). */
  | "forbidden"
  /** Unknown function or bad function arguments. */
  | "invalid_function"
  /** A sort expression that cannot be used for ordering. */
  | "invalid_sort";

/** A rejected filter or sort expression, with the offset (UTF-16 index) where it went wrong. */
export class FilterError extends Error {
  readonly code: FilterErrorCode;
  /** Offset into the filter/sort string, when known. */
  readonly position: number | undefined;

  constructor(code: FilterErrorCode, message: string, position?: number) {
    super(message);
    this.name = "FilterError";
    this.code = code;
    this.position = position;
  }

  /** A copy that points at `position` unless this error already has one. */
  withPosition(position: number): FilterError {
    if (this.position !== undefined) return this;
    const copy = new FilterError(this.code, this.message, position);
    copy.stack = this.stack;
    return copy;
  }
}

/** True for errors raised by the filter engine or a resolver on its behalf. */
export function isFilterError(error: unknown): error is FilterError {
  return error instanceof FilterError;
}

/** Quotes a piece of user input for an error message, escaping control characters and capping length. */
export function quoteForMessage(text: string, max = 40): string {
  const cut = text.length > max ? text.slice(0, max) + "…" : text;
  return JSON.stringify(cut);
}
