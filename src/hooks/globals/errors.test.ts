import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ApiError,
  BadRequestError,
  ForbiddenError,
  GoError,
  InternalServerError,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
  ValidationErrorsError,
  errorFromWire,
  errorToWire,
} from "./errors.ts";

test("default messages and statuses (jsvm-surface §2.5)", () => {
  const cases: [ApiError, number, string][] = [
    [new BadRequestError(), 400, "Something went wrong while processing your request."],
    [new UnauthorizedError(""), 401, "Missing or invalid authentication."],
    [new ForbiddenError(), 403, "You are not allowed to perform this request."],
    [new NotFoundError(), 404, "The requested resource wasn't found."],
    [new TooManyRequestsError(), 429, "Too Many Requests."],
    [new InternalServerError(), 500, "Something went wrong while processing your request."],
    [new ApiError(418), 418, "I'm a Teapot."],
    [new ApiError(), 0, ""],
  ];
  for (const [err, status, message] of cases) {
    assert.equal(err.status, status);
    assert.equal(err.message, message);
    assert.deepEqual(err.data, {});
    assert.ok(err instanceof Error && err instanceof ApiError);
  }
  assert.equal(new ForbiddenError("locked").message, "Locked.");
  assert.equal(new BadRequestError("  why? ").message, "Why?");
  assert.equal(new BadRequestError("x").name, "BadRequestError");
});

test("data sanitisation and rawData (§2.6, §7.3)", () => {
  const e = new ApiError(400, "test", { test: 1 });
  assert.deepEqual(JSON.parse(JSON.stringify(e)), {
    data: { test: { code: "validation_invalid_value", message: "Invalid value." } },
    message: "Test.",
    status: 400,
  });
  assert.deepEqual(e.rawData(), { test: 1 });
  const v = new BadRequestError("invalid data", {
    title: new ValidationError("too_short", "title is too short"),
    nested: { a: new ValidationError("x", "y") },
  });
  assert.deepEqual(v.data, {
    title: { code: "too_short", message: "Title is too short." },
    nested: { a: { code: "x", message: "Y." } },
  });
  assert.deepEqual(new ApiError(400, "x", "str").data, {});
  assert.deepEqual(new ApiError(400, "x", [1]).data, {});
  assert.ok(e.is(e));
  assert.ok(!e.is(new ApiError(400, "test")));
  const leaf = new ValidationError("c", "m");
  assert.equal(leaf.code(), "c");
  assert.equal(leaf.message(), "m");
  assert.equal(leaf.error(), "m");
});

test("errors cross the wire with their class, status and data", () => {
  const api = errorFromWire(
    structuredClone(errorToWire(new ForbiddenError("no", { f: new ValidationError("a", "b") }))),
  );
  assert.ok(api instanceof ApiError);
  assert.equal(api.status, 403);
  assert.equal(api.message, "No.");
  assert.deepEqual(api.data, { f: { code: "a", message: "B." } });

  const tree = { title: { code: "validation_required", message: "Cannot be blank." } };
  const v = errorFromWire({
    kind: "validation",
    status: 400,
    message: "title: cannot be blank.",
    data: tree,
  });
  assert.ok(v instanceof ValidationErrorsError && v instanceof GoError);
  assert.deepEqual(errorToWire(v), {
    kind: "validation",
    status: 400,
    message: "title: cannot be blank.",
    data: tree,
    stack: v.stack,
  });
  const miss = errorFromWire({ kind: "error", status: 404, message: "sql: no rows in result set", data: {} });
  assert.equal(String(miss), "GoError: sql: no rows in result set");
  assert.equal(errorToWire(miss).status, 404);

  const plain = errorToWire(new Error("boom"));
  assert.equal(plain.kind, "error");
  assert.equal(plain.message, "Error: boom");
  assert.match(plain.stack ?? "", /boom/);
  assert.equal(errorToWire("str").message, "str");
  assert.equal(errorToWire(null).message, "null");
});
