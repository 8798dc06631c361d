import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeJson, RawJson } from "../../tools/json.ts";
import { jsonField, parseJsonValue, type JsonField } from "./json.ts";
import { fieldToJson, normalizeField } from "./registry.ts";
import { codeOf, treeCodes } from "./test-context.ts";

const json = (options: Partial<JsonField> = {}): JsonField => ({
  ...jsonField.normalize({ id: "j1", name: "meta", type: "json" }),
  ...options,
});

describe("json field", () => {
  it("normalizes a stored field unchanged", () => {
    const stored =
      '{"help":"","hidden":false,"id":"ei2fg4v1","maxSize":5242880,"name":"json","presentable":false,"required":false,"system":false,"type":"json"}';
    assert.equal(
      JSON.stringify(fieldToJson(normalizeField(JSON.parse(stored) as Record<string, unknown>))),
      stored,
    );
  });

  it("uses a nullable JSON column", () => {
    assert.equal(jsonField.columnType(), "JSON DEFAULT NULL");
  });

  const casts: [string, unknown, string | null][] = [
    ["keeps a JSON object string verbatim", '{"b":1, "a":2}', '{"b":1, "a":2}'],
    ["keeps a JSON array string", "[1,2]", "[1,2]"],
    ["keeps a numeric string as a number", "-12.5", "-12.5"],
    ["keeps a quoted string", '"abc"', '"abc"'],
    ["keeps null/true/false literals", "true", "true"],
    ["quotes other strings", "hello", '"hello"'],
    ["quotes the empty string", "", '""'],
    ["quotes invalid JSON that looks like JSON", "{a:1}", '"{a:1}"'],
    ["quotes strings with leading spaces", " 1", '" 1"'],
    ["encodes objects with sorted keys (Go maps)", { b: 1, a: [1, "<"] }, '{"a":[1,"\\u003c"],"b":1}'],
    ["encodes numbers", 1.5, "1.5"],
    ["encodes booleans", false, "false"],
    ["makes null/undefined the empty value", undefined, null],
    ["reads legacy DB numbers", 123, "123"],
  ];
  for (const [name, raw, expected] of casts) {
    it(name, () => {
      assert.equal(jsonField.prepareValue(json(), raw), expected);
    });
  }

  it("quotes control characters like Go's strconv.Quote", () => {
    assert.equal(jsonField.prepareValue(json(), "a\nb\u0001"), '"a\\nb\\x01"');
  });

  it("outputs the text verbatim through RawJson, compacted by the encoder", () => {
    const out = jsonField.toJson(json(), '{"b": 1, "a": 1.0}');
    assert.ok(out instanceof RawJson);
    assert.equal(encodeJson({ meta: out }), '{"meta":{"b":1,"a":1.0}}');
    assert.equal(JSON.stringify(out), '{"b":1,"a":1}');
    assert.equal(jsonField.toJson(json(), null), null);
  });

  it("stores the text or NULL", () => {
    assert.equal(jsonField.toDbValue(json(), "[1]"), "[1]");
    assert.equal(jsonField.toDbValue(json(), null), null);
    assert.deepEqual(parseJsonValue('{"a":1}'), { a: 1 });
  });

  const cases: [string, Partial<JsonField>, string | null, string | null][] = [
    ["accepts any JSON", {}, '{"a":1}', null],
    ["accepts null when optional", {}, null, null],
    ["requires a non-empty value (null)", { required: true }, null, "validation_required"],
    ["requires a non-empty value (empty string)", { required: true }, '""', "validation_required"],
    ["requires a non-empty value (empty array)", { required: true }, " [] ", "validation_required"],
    ["requires a non-empty value (empty object)", { required: true }, "{}", "validation_required"],
    ["accepts false as a required value", { required: true }, "false", null],
    ["rejects text over maxSize bytes", { maxSize: 3 }, '"ab"', "validation_json_size_limit"],
    ["rejects invalid JSON text", {}, '"a\\x01"', "validation_invalid_json"],
  ];
  for (const [name, options, value, code] of cases) {
    it(name, async () => {
      assert.equal(codeOf(await jsonField.validateValue(json(options), value)), code);
    });
  }

  it("uses PocketBase's size message with the effective limit", async () => {
    const err = await jsonField.validateValue(json({ maxSize: 3 }), '"ab"');
    assert.equal(err?.message, "The maximum allowed JSON size is 3 bytes.");
    assert.deepEqual(err?.params, { maxSize: 3 });
    assert.equal((await jsonField.validateValue(json(), '"a\\x01"'))?.message, "Must be a valid json value.");
  });

  it("rejects a negative maxSize", () => {
    assert.deepEqual(treeCodes(jsonField.validateSettings(json({ maxSize: -1 }))), {
      maxSize: "validation_min_greater_equal_than_required",
    });
  });

  it("reserves maxSize (default 1 MiB) of request body", () => {
    assert.equal(jsonField.maxBodySize(json()), 1 << 20);
    assert.equal(jsonField.maxBodySize(json({ maxSize: 10 })), 10);
  });
});
