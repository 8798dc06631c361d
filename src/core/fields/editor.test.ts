import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { editorField, type EditorField } from "./editor.ts";
import { fieldToJson, normalizeField } from "./registry.ts";
import { codeOf, treeCodes } from "./test-context.ts";

const editor = (options: Partial<EditorField> = {}): EditorField => ({
  ...editorField.normalize({ id: "e1", name: "content", type: "editor" }),
  ...options,
});

describe("editor field", () => {
  it("normalizes a fresh field with every option", () => {
    assert.equal(
      JSON.stringify(fieldToJson(normalizeField({ id: "editor1", name: "content", type: "editor" }))),
      '{"convertURLs":false,"help":"","hidden":false,"id":"editor1","maxSize":0,"name":"content","presentable":false,"required":false,"system":false,"type":"editor"}',
    );
  });

  it("stores text in a TEXT column and casts like text", () => {
    assert.equal(editorField.columnType(), "TEXT DEFAULT '' NOT NULL");
    assert.equal(editorField.prepareValue(editor(), 5), "5");
    assert.equal(editorField.prepareValue(editor(), null), "");
    assert.equal(editorField.toJson(editor(), "<p>x</p>"), "<p>x</p>");
    assert.equal(editorField.toDbValue(editor(), "<p>x</p>"), "<p>x</p>");
  });

  const cases: [string, Partial<EditorField>, string, string | null][] = [
    ["accepts content within the default 5 MiB", {}, "<p>hi</p>", null],
    ["requires content when required", { required: true }, "", "validation_required"],
    ["counts bytes against maxSize", { maxSize: 3 }, "äö", "validation_content_size_limit"],
    ["accepts content of exactly maxSize bytes", { maxSize: 4 }, "äö", null],
  ];
  for (const [name, options, value, code] of cases) {
    it(name, async () => {
      assert.equal(codeOf(editorField.validateValue(editor(options), value)), code);
    });
  }

  it("renders the size limit message with its param", async () => {
    const err = editorField.validateValue(editor({ maxSize: 3 }), "abcd");
    assert.equal(err?.message, "The maximum allowed content size is 3 bytes.");
    assert.deepEqual(err?.params, { maxSize: 3 });
  });

  it("rejects a negative maxSize", () => {
    assert.deepEqual(treeCodes(editorField.validateSettings(editor({ maxSize: -1 }))), {
      maxSize: "validation_min_greater_equal_than_required",
    });
    assert.deepEqual(editorField.validateSettings(editor()), {});
  });

  it("reserves maxSize (default 5 MiB) of request body", () => {
    assert.equal(editorField.maxBodySize(editor()), 5 << 20);
    assert.equal(editorField.maxBodySize(editor({ maxSize: 100 })), 100);
  });

  it("reports non-strings as unsupported", async () => {
    assert.equal(codeOf(editorField.validateValue(editor(), 1)), "validation_unsupported_value_type");
  });
});
