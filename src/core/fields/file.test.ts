import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileField, type FileField } from "./file.ts";
import { fieldToJson, normalizeField } from "./registry.ts";
import { codeOf, treeCodes } from "./test-context.ts";

const file = (options: Partial<FileField> = {}): FileField => ({
  ...fileField.normalize({ id: "f1", name: "docs", type: "file", maxSelect: 1 }),
  ...options,
});

describe("file field", () => {
  it("normalizes stored fields unchanged, including null lists", () => {
    for (const stored of [
      '{"help":"","hidden":false,"id":"xtecur3m","maxSelect":5,"maxSize":5242880,"mimeTypes":null,"name":"file","presentable":false,"protected":false,"required":false,"system":false,"thumbs":null,"type":"file"}',
      '{"help":"","hidden":false,"id":"users_avatar","maxSelect":1,"maxSize":5242880,"mimeTypes":["image/jpg","image/jpeg","image/png","image/svg+xml","image/gif"],"name":"avatar","presentable":false,"protected":false,"required":false,"system":false,"thumbs":["70x50","70x50t","70x50b","70x50f","0x50","70x0"],"type":"file"}',
    ]) {
      assert.equal(
        JSON.stringify(fieldToJson(normalizeField(JSON.parse(stored) as Record<string, unknown>))),
        stored,
      );
    }
  });

  it("casts stored names like select values", () => {
    assert.equal(fileField.columnType(file({ maxSelect: 2 })), "JSON DEFAULT '[]' NOT NULL");
    assert.deepEqual(fileField.prepareValue(file({ maxSelect: 5 }), '["a.txt","b.png"]'), ["a.txt", "b.png"]);
    assert.equal(fileField.prepareValue(file(), null), "");
    assert.equal(fileField.toDbValue(file({ maxSelect: 5 }), ["a.txt"]), '["a.txt"]');
  });

  const cases: [string, FileField, unknown, string | null][] = [
    ["accepts names within maxSelect", file({ maxSelect: 2 }), ["a", "b"], null],
    ["accepts no files when optional", file(), "", null],
    ["requires a file when required", file({ required: true }), [], "validation_required"],
    [
      "rejects more files than maxSelect",
      file({ maxSelect: 2 }),
      ["a", "b", "c"],
      "validation_too_many_files",
    ],
  ];
  for (const [name, field, value, code] of cases) {
    it(name, async () => {
      assert.equal(codeOf(await fileField.validateValue(field, value)), code);
    });
  }

  it("uses PocketBase's too-many-files message", async () => {
    const err = await fileField.validateValue(file({ maxSelect: 2 }), ["a", "b", "c"]);
    assert.equal(err?.message, "The maximum allowed files is 2.");
    assert.deepEqual(err?.params, { maxSelect: 2 });
  });

  const settings: [string, Partial<FileField>, Record<string, unknown>][] = [
    ["accepts valid thumbs", { thumbs: ["100x100", "0x50", "70x0f", ""] }, {}],
    [
      "rejects zero thumbs and malformed thumbs by index",
      { thumbs: ["0x0", "100x", "0x0t"] },
      {
        thumbs: {
          "0": "validation_not_in_invalid",
          "1": "validation_match_invalid",
          "2": "validation_not_in_invalid",
        },
      },
    ],
    [
      "rejects a negative maxSize",
      { maxSize: -1 },
      { maxSize: "validation_min_greater_equal_than_required" },
    ],
    [
      "rejects a negative maxSelect",
      { maxSelect: -2 },
      { maxSelect: "validation_min_greater_equal_than_required" },
    ],
  ];
  for (const [name, options, expected] of settings) {
    it(name, () => {
      assert.deepEqual(treeCodes(fileField.validateSettings(file(options))), expected);
    });
  }

  it("reserves maxSize × maxSelect of request body (5 MiB default size)", () => {
    assert.equal(fileField.maxBodySize(file()), 5 << 20);
    assert.equal(fileField.maxBodySize(file({ maxSize: 100, maxSelect: 3 })), 300);
  });

  it("supports the append, prepend and subtract modifiers", () => {
    const field = file({ maxSelect: 5 });
    assert.deepEqual(fileField.applyModifier(field, "append", ["a"], ["b"]), ["a", "b"]);
    assert.deepEqual(fileField.applyModifier(field, "prepend", ["a"], "b"), ["b", "a"]);
    assert.deepEqual(fileField.applyModifier(field, "subtract", ["a", "b"], "a"), ["b"]);
  });
});
