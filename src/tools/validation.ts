/**
 * Validation errors in PocketBase's shape: a tree that mirrors the input, whose leaves are
 * `{code, message, params}`. Domain code throws these; the API layer renders them verbatim
 * under `data` of a 400 ApiError.
 */

/** One failed check on one value: a leaf of the error tree. */
export class ValidationError extends Error {
  readonly code: string;
  readonly params: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, params: Record<string, unknown> = {}) {
    super(message);
    this.name = "ValidationError";
    this.code = code;
    this.params = params;
  }
}

/** A node of the error tree: a leaf or a map of nested errors (array indexes as string keys). */
export type ErrorTree = { [key: string]: ValidationError | ErrorTree };

/** Several field errors at once, e.g. `{name: ValidationError, fields: {"2": {name: …}}}`. */
export class ValidationErrors extends Error {
  readonly errors: ErrorTree;

  constructor(errors: ErrorTree, message = "Failed to validate.") {
    super(message);
    this.name = "ValidationErrors";
    this.errors = errors;
  }
}

/** True when the tree holds no leaf at all. */
export function isEmptyErrorTree(tree: ErrorTree): boolean {
  for (const value of Object.values(tree)) {
    if (value instanceof ValidationError || !isEmptyErrorTree(value)) return false;
  }
  return true;
}

/** Fills `{name}`-style placeholders of a message template with its params. */
export function renderMessage(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in params ? String(params[key]) : whole,
  );
}

/**
 * PocketBase's "sentenized" form of a message: trimmed, first character upper-cased and a
 * final `.` added unless it already ends in `.`, `?` or `!` (e.g. ozzo's "cannot be blank" →
 * "Cannot be blank.").
 */
export function sentenize(message: string): string {
  const trimmed = message.trim();
  if (trimmed === "") return "";
  const first = String.fromCodePoint(trimmed.codePointAt(0) ?? 0);
  const result = first.toUpperCase() + trimmed.slice(first.length);
  return /[.?!]$/.test(result) ? result : `${result}.`;
}

/** Common leaves, with PocketBase's codes and default messages (those of its ozzo-validation rules). */
export const errors = {
  required: () => new ValidationError("validation_required", "Cannot be blank."),
  /** ozzo `Empty`: the value must be zero/blank. */
  empty: () => new ValidationError("validation_empty", "Must be blank."),
  invalidValue: (message = "Invalid value.") => new ValidationError("validation_invalid_value", message),
  notUnique: () => new ValidationError("validation_not_unique", "Value must be unique."),
  lengthOutOfRange: (min: number, max: number) =>
    new ValidationError("validation_length_out_of_range", `The length must be between ${min} and ${max}.`, {
      min,
      max,
    }),
  lengthTooLong: (max: number) =>
    new ValidationError("validation_length_too_long", `The length must be no more than ${max}.`, { max }),
  lengthTooShort: (min: number) =>
    new ValidationError("validation_length_too_short", `The length must be no less than ${min}.`, { min }),
  matchInvalid: () => new ValidationError("validation_match_invalid", "Must be in a valid format."),
  inInvalid: () => new ValidationError("validation_in_invalid", "Must be a valid value."),
  notInInvalid: () => new ValidationError("validation_not_in_invalid", "Must not be in list."),
  isEmail: () => new ValidationError("validation_is_email", "Must be a valid email address."),
  isDomain: () => new ValidationError("validation_is_domain", "Must be a valid domain."),
  /**
   * ozzo `Min`: below the threshold. `display` is how Go prints the threshold in the message
   * (e.g. `3e+06` for a float, a `time.Time` string for dates); `param` is its JSON form.
   */
  minThreshold: (param: unknown, display: string = String(param)) =>
    new ValidationError("validation_min_greater_equal_than_required", `Must be no less than ${display}.`, {
      threshold: param,
    }),
  /** ozzo `Max`: above the threshold (see `minThreshold` for `display`). */
  maxThreshold: (param: unknown, display: string = String(param)) =>
    new ValidationError("validation_max_less_equal_than_required", `Must be no greater than ${display}.`, {
      threshold: param,
    }),
  dateOutOfRange: () => new ValidationError("validation_date_out_of_range", "The date is out of range."),
  valuesMismatch: () => new ValidationError("validation_values_mismatch", "Values don't match."),
  unsupportedValueType: () =>
    new ValidationError("validation_unsupported_value_type", "Invalid or unsupported value type."),
  /** A pattern option that doesn't compile; `detail` is the parser's message. */
  invalidRegex: (detail: string) => new ValidationError("validation_invalid_regex", sentenize(detail)),
  /** ozzo `is.Host`. */
  isHost: () => new ValidationError("validation_is_host", "Must be a valid IP address or DNS name."),
  /** ozzo `is.URL`. */
  isUrl: () => new ValidationError("validation_is_url", "Must be a valid URL."),
  /** A cron expression that doesn't parse; `detail` is the parser's message. */
  invalidCron: (detail: string) => new ValidationError("validation_invalid_cron", sentenize(detail)),
  /** Not an IP address or CIDR range (settings `superuserIPs`, `rateLimits.excludedIPs`). */
  invalidIp: () => new ValidationError("validation_invalid_ip", "Must be a valid IP address or CIDR range."),
  conflictingRateLimitRule: (label: string) =>
    new ValidationError(
      "validation_conflicting_rate_limit_rule",
      `Rate limit rule configuration with label ${label} already exists or conflicts with another rule.`,
      { label },
    ),
} as const;
