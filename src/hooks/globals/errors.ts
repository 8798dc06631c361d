/**
 * The error classes of pb_hooks scripts (jsvm-surface §2.5–2.6, §1.7): `ApiError` and its
 * subclasses with PocketBase's default messages, the ozzo-like `ValidationError` leaf, `GoError`
 * (what a failed main-thread call throws into the script) and the conversion of any of them to
 * and from the wire shape that crosses the thread boundary.
 */
import type * as Http from "node:http";
import { createRequire } from "node:module";
import { sentenize } from "../../tools/validation.ts";
import type { ErrorWire } from "../wire.ts";

type Obj = { [key: string]: unknown };

const isPlainObject = (v: unknown): v is Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/**
 * A validation failure of one value: `new ValidationError(code, message)`. Methods, not
 * properties, as the Go object a script sees (`code()`, `message()`, `error()`).
 */
export class ValidationError {
  #code: string;
  #message: string;
  #params: Obj;

  constructor(code?: unknown, message?: unknown) {
    this.#code = typeof code === "string" ? code : "";
    this.#message = typeof message === "string" ? message : "";
    this.#params = {};
  }

  /** The machine-readable code, e.g. `validation_required`. */
  code(): string {
    return this.#code;
  }

  /** The message as given. */
  message(): string {
    return this.#message;
  }

  /** The message with its `{param}` placeholders filled (ozzo's Error()). */
  error(): string {
    return this.#message.replace(/\{\{\.(\w+)\}\}/g, (whole, key: string) =>
      key in this.#params ? String(this.#params[key]) : whole,
    );
  }

  /** The template params. */
  params(): Obj {
    return { ...this.#params };
  }

  /** Returns a copy with other params. */
  setParams(params: unknown): ValidationError {
    const copy = new ValidationError(this.#code, this.#message);
    copy.#params = isPlainObject(params) ? { ...params } : {};
    return copy;
  }

  /** Returns a copy with another code. */
  setCode(code: unknown): ValidationError {
    const copy = new ValidationError(code, this.#message);
    copy.#params = this.#params;
    return copy;
  }

  /** Returns a copy with another message. */
  setMessage(message: unknown): ValidationError {
    const copy = new ValidationError(this.#code, message);
    copy.#params = this.#params;
    return copy;
  }

  toString(): string {
    return this.error();
  }

  toJSON(): Obj {
    return leafOf(this);
  }
}

function leafOf(v: { code(): string; error(): string; params?: () => Obj }): Obj {
  const out: Obj = { code: v.code(), message: sentenize(v.error()) };
  const params = v.params?.();
  if (params && Object.keys(params).length > 0) out.params = params;
  return out;
}

/** Whether a value behaves like a Go validation error (`code()` and `error()` methods). */
function isValidationLeaf(v: unknown): v is { code(): string; error(): string; params?: () => Obj } {
  if (typeof v !== "object" || v === null) return false;
  const o = v as { code?: unknown; error?: unknown };
  return typeof o.code === "function" && typeof o.error === "function";
}

/**
 * PocketBase's sanitisation of an error's `data` (§2.6): only objects survive; each key becomes a
 * `{code, message, params?}` leaf when its value is a validation error, a nested tree when it is
 * an object, and `validation_invalid_value` otherwise.
 */
export function sanitizeErrorData(raw: unknown): Obj {
  if (raw instanceof ValidationErrorsError) return structuredClone(raw.data);
  if (!isPlainObject(raw) || isValidationLeaf(raw)) return {};
  const out: Obj = {};
  for (const [key, value] of Object.entries(raw)) {
    if (isValidationLeaf(value)) out[key] = leafOf(value);
    else if (value instanceof ValidationErrorsError) out[key] = structuredClone(value.data);
    else if (isPlainObject(value) && !(value instanceof Error)) out[key] = sanitizeErrorData(value);
    else out[key] = { code: "validation_invalid_value", message: "Invalid value." };
  }
  return out;
}

/**
 * Node's status texts, loaded on first use: importing node:http into a worker loads the whole
 * HTTP stack and undici with it (~11 MB of resident memory per pb_hooks thread).
 */
let statusTexts: { [code: number]: string | undefined } | undefined;
const statusText = (code: number): string =>
  (statusTexts ??= (createRequire(import.meta.url)("node:http") as typeof Http).STATUS_CODES)[code] ?? "";

// Set by `errorFromWire` to build an ApiError whose data is already sanitised.
let presetData: Obj | null = null;

/** An error with an HTTP status, a sentenized message and sanitised field errors. */
export class ApiError extends Error {
  status: number;
  data: Obj;
  #raw: unknown;

  constructor(status?: unknown, message?: unknown, data?: unknown) {
    const code = typeof status === "number" && Number.isInteger(status) ? status : 0;
    let text = typeof message === "string" ? message : message == null ? "" : safeString(message);
    if (text.trim() === "") text = code === 0 ? "" : statusText(code);
    super(sentenize(text));
    this.name = "ApiError";
    this.status = code;
    this.#raw = data ?? null;
    this.data = presetData ?? sanitizeErrorData(data);
  }

  /** The message (Go's `Error()`). */
  error(): string {
    return this.message;
  }

  /** The `data` argument as given, before sanitisation. */
  rawData(): unknown {
    return this.#raw;
  }

  /** Whether `err` is this error or the error it wraps (Go's errors.Is). */
  is(err: unknown): boolean {
    return err === this || (err !== null && err === this.#raw);
  }

  toJSON(): Obj {
    return { data: this.data, message: this.message, status: this.status };
  }
}

/** Declares an ApiError subclass with a fixed status and default message. */
function statusError(name: string, status: number, defaultMessage: string) {
  const cls = class extends ApiError {
    constructor(message?: unknown, data?: unknown) {
      const text = typeof message === "string" && message.trim() !== "" ? message : defaultMessage;
      super(status, text, data);
      this.name = name;
    }
  };
  Object.defineProperty(cls, "name", { value: name });
  return cls;
}

/** 400. */
export const BadRequestError = statusError(
  "BadRequestError",
  400,
  "Something went wrong while processing your request.",
);
/** 401. */
export const UnauthorizedError = statusError("UnauthorizedError", 401, "Missing or invalid authentication.");
/** 403. */
export const ForbiddenError = statusError(
  "ForbiddenError",
  403,
  "You are not allowed to perform this request.",
);
/** 404. */
export const NotFoundError = statusError("NotFoundError", 404, "The requested resource wasn't found.");
/** 429. */
export const TooManyRequestsError = statusError("TooManyRequestsError", 429, "Too Many Requests.");
/** 500. */
export const InternalServerError = statusError(
  "InternalServerError",
  500,
  "Something went wrong while processing your request.",
);

/**
 * An error returned by a main-thread call (Go's error seen from JS): `message` is the Go error
 * text, `String(err)` is `GoError: <text>`. `status` keeps what the main thread classified it
 * as (404 for "no rows", 0 otherwise) so that rethrowing it uncaught keeps PocketBase's status.
 */
export class GoError extends Error {
  status: number;
  /** The original error (itself, for errors rebuilt from the wire). */
  get value(): GoError {
    return this;
  }

  constructor(message: string, status = 0) {
    super(message);
    this.name = "GoError";
    this.status = status;
  }

  error(): string {
    return this.message;
  }
}

/** A Go `validation.Errors` tree (e.g. an uncaught `$app.save()` validation failure). */
export class ValidationErrorsError extends GoError {
  /** The per-field `{code, message, params?}` tree. */
  data: Obj;

  constructor(message: string, data: Obj) {
    super(message, 400);
    this.name = "GoError";
    this.data = data;
  }
}

/** Turns anything a script threw (or a failed call returned) into the wire shape. */
export function errorToWire(err: unknown): ErrorWire {
  const stack = err instanceof Error && typeof err.stack === "string" ? { stack: err.stack } : {};
  if (err instanceof ApiError) {
    return {
      kind: "api",
      status: err.status,
      message: err.message,
      data: structuredClone(err.data),
      ...stack,
    };
  }
  if (err instanceof ValidationErrorsError) {
    return {
      kind: "validation",
      status: 400,
      message: err.message,
      data: structuredClone(err.data),
      ...stack,
    };
  }
  if (err instanceof GoError)
    return { kind: "error", status: err.status, message: err.message, data: {}, ...stack };
  if (err instanceof Error) return { kind: "error", status: 0, message: String(err), data: {}, ...stack };
  if (isValidationLeaf(err)) return { kind: "error", status: 0, message: err.error(), data: {} };
  return { kind: "error", status: 0, message: typeof err === "string" ? err : safeString(err), data: {} };
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** Rebuilds the error a wire shape describes, as the script-facing class. */
export function errorFromWire(w: ErrorWire): Error {
  let err: Error;
  switch (w.kind) {
    case "api":
      presetData = isPlainObject(w.data) ? structuredClone(w.data) : {};
      try {
        err = new ApiError(w.status, w.message);
      } finally {
        presetData = null;
      }
      break;
    case "validation":
      err = new ValidationErrorsError(w.message, isPlainObject(w.data) ? structuredClone(w.data) : {});
      break;
    case "error":
      err = new GoError(w.message, w.status);
      break;
  }
  if (w.stack !== undefined) err.stack = w.stack;
  return err;
}

/** The classes scripts construct, by global name. */
export const errorGlobals = {
  ApiError,
  BadRequestError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  InternalServerError,
  ValidationError,
};
