/**
 * One error shape for the whole API: `{"data":{…},"message":"…","status":N}` (§2.1). Handlers
 * and domain code throw; `toApiError` normalises anything thrown into an ApiError, exposing
 * only safe validation leaves and never raw error text (that is logged instead).
 */
import { HashJobAbortedError, HashQueueFullError } from "../auth/hash-pool.ts";
import { SuperuserOnlyFilterError } from "../core/records/record-access.ts";
import { ValidationError, ValidationErrors, renderMessage, type ErrorTree } from "../tools/validation.ts";
import { NotFoundError } from "../core/errors.ts";
import { ReadPoolBusyError } from "../core/db/read-pool.ts";

const DEFAULT_MESSAGES: Record<number, string> = {
  400: "Something went wrong while processing your request.",
  401: "Missing or invalid authentication.",
  403: "You are not allowed to perform this request.",
  404: "The requested resource wasn't found.",
  413: "Request entity too large.",
  429: "Too Many Requests.",
  500: "Something went wrong while processing your request.",
};

/** Trims, upper-cases the first letter and ends the message with a full stop (Go's Sentenize). */
export function sentenize(message: string): string {
  const s = message.trim();
  if (!s) return "";
  const first = s[0]!.toUpperCase() + s.slice(1);
  return /[.?!]$/.test(first) ? first : `${first}.`;
}

/** A safe, rendered error leaf. */
export interface SafeErrorLeaf {
  code: string;
  message: string;
  params?: Record<string, unknown>;
}

/** The rendered `data` tree of an ApiError. */
export type SafeErrorData = { [key: string]: SafeErrorLeaf | SafeErrorData };

/** Renders a validation error tree into its safe JSON form. */
export function safeErrorData(tree: ErrorTree): SafeErrorData {
  const out: SafeErrorData = {};
  for (const [key, value] of Object.entries(tree)) {
    if (value instanceof ValidationError) {
      // Like ozzo's Error(), the message template is rendered with its params.
      const message = sentenize(renderMessage(value.message, value.params));
      const leaf: SafeErrorLeaf = { code: value.code, message };
      if (Object.keys(value.params).length > 0) leaf.params = { ...value.params };
      out[key] = leaf;
    } else {
      out[key] = safeErrorData(value);
    }
  }
  return out;
}

/** An error with an HTTP status, a public message and safe data. */
export class ApiError extends Error {
  readonly status: number;
  readonly data: SafeErrorData | { [key: string]: unknown };
  /** The underlying cause, for logs only. */
  override readonly cause: unknown;

  constructor(
    status: number,
    message = "",
    data: SafeErrorData | { [key: string]: unknown } = {},
    cause?: unknown,
  ) {
    super(
      sentenize(message) || DEFAULT_MESSAGES[status] || "Something went wrong while processing your request.",
    );
    this.name = "ApiError";
    this.status = status;
    this.data = data;
    this.cause = cause;
  }

  /** The JSON body, keys in PocketBase's order. */
  toJSON(): { data: unknown; message: string; status: number } {
    return { data: this.data, message: this.message, status: this.status };
  }
}

/**
 * An ApiError built without capturing a stack trace, for the answers the framework itself gives
 * (the factories below and `toApiError`). Nothing shows their stack: the body is status, message
 * and data, and what gets logged is the cause. Capturing it was ~4 % of the CPU of an error
 * answer (a POST to a missing collection). `new ApiError(…)` in user code keeps its stack.
 */
function answer(
  status: number,
  message?: string,
  data?: SafeErrorData | { [key: string]: unknown },
  cause?: unknown,
): ApiError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new ApiError(status, message, data, cause);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** 400 with optional validation errors. */
export const badRequest = (message = "", errors?: ErrorTree | ValidationErrors): ApiError =>
  errors instanceof ValidationErrors
    ? answer(400, message, safeErrorData(errors.errors))
    : answer(400, message, errors ? safeErrorData(errors) : {});
/** 401. */
export const unauthorized = (message = ""): ApiError => answer(401, message);
/** 403. */
export const forbidden = (message = ""): ApiError => answer(403, message);
/** 404. */
export const notFound = (message = ""): ApiError => answer(404, message);
/** 413. */
export const tooLarge = (message = ""): ApiError => answer(413, message);

/** Domain errors that mean "not found" (like Go's sql.ErrNoRows) are core's. */
export { NotFoundError } from "../core/errors.ts";

/**
 * Turns anything thrown into an ApiError: ApiErrors pass through, validation errors become a
 * 400 with their tree, not-found errors a 404, everything else a generic 400 as PocketBase
 * does (the raw message is logged by the caller, never sent). A handler that wants a specific
 * message wraps its error itself; what reaches this fallback gets PocketBase's generic one
 * ("Something went wrong while processing your request."), e.g. an uncaught `$app.save()`
 * validation failure or a bad filter in a pb_hooks route.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ValidationErrors) return answer(400, "", safeErrorData(err.errors), err);
  if (err instanceof ValidationError) return answer(400, err.message, {}, err);
  if (err instanceof NotFoundError) return answer(404, "", {}, err);
  // The password hashing pool is full: PocketBase's rate-limit answer, at once.
  if (err instanceof HashQueueFullError) return answer(429, "Too Many Requests.", {}, err);
  // The client went away while its password check waited: nobody reads this answer.
  if (err instanceof HashJobAbortedError) return answer(400, "", {}, err);
  // Every read pool thread is busy or stuck and its queue is full: try again later.
  if (err instanceof ReadPoolBusyError) return answer(503, err.message, {}, err);
  if (err instanceof SuperuserOnlyFilterError) return answer(403, err.message, {}, err);
  return answer(400, "", {}, err);
}
