/**
 * PocketBase's error classes for code that answers requests (TypeScript hooks, framework apps):
 * `throw new BadRequestError("Invalid data.", { title: new ValidationError("too_short", "…") })`
 * becomes PocketBase's error body with that status. `data` is sanitised as PocketBase does:
 * validation errors keep their code and message, anything else becomes "Invalid value.".
 */
import { ValidationError } from "../tools/validation.ts";
import { ApiError, safeErrorData, type SafeErrorData } from "./errors.ts";

type Data = { [key: string]: unknown };

function sanitise(data: unknown): SafeErrorData {
  if (!data || typeof data !== "object" || Array.isArray(data)) return {};
  const tree: { [key: string]: unknown } = {};
  for (const [key, value] of Object.entries(data as Data)) {
    if (value instanceof ValidationError) tree[key] = value;
    else if (value && typeof value === "object" && !Array.isArray(value)) tree[key] = sanitise(value);
    else tree[key] = new ValidationError("validation_invalid_value", "Invalid value.");
  }
  return safeErrorData(tree as never);
}

/** An error answered with `status` and PocketBase's body (the base of the classes below). */
export class HttpError extends ApiError {
  /** The `data` as it was given, before sanitising. */
  readonly rawData: unknown;
  constructor(status: number, message = "", data?: unknown) {
    super(status, message, sanitise(data));
    this.name = new.target.name;
    this.rawData = data;
  }
}

/** 400. */
export class BadRequestError extends HttpError {
  constructor(message = "", data?: unknown) {
    super(400, message, data);
  }
}

/** 401. */
export class UnauthorizedError extends HttpError {
  constructor(message = "", data?: unknown) {
    super(401, message, data);
  }
}

/** 403. */
export class ForbiddenError extends HttpError {
  constructor(message = "", data?: unknown) {
    super(403, message, data);
  }
}

/** 404. */
export class NotFoundApiError extends HttpError {
  constructor(message = "", data?: unknown) {
    super(404, message, data);
  }
}

/** 429. */
export class TooManyRequestsError extends HttpError {
  constructor(message = "", data?: unknown) {
    super(429, message, data);
  }
}

/** 500. */
export class InternalServerError extends HttpError {
  constructor(message = "", data?: unknown) {
    super(500, message, data);
  }
}
