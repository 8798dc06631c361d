import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldToJson, normalizeField } from "./registry.ts";
import { relationField, type RelationField } from "./relation.ts";
import { codeOf, collectionInfo, settingsContext, treeCodes, valueContext } from "./test-context.ts";

const relation = (options: Partial<RelationField> = {}): RelationField => ({
  ...relationField.normalize({
    id: "r1",
    name: "author",
    type: "relation",
    collectionId: "users",
    maxSelect: 1,
  }),
  ...options,
});
const many = (options: Partial<RelationField> = {}): RelationField => relation({ maxSelect: 3, ...options });

describe("relation field", () => {
  it("normalizes a stored field unchanged", () => {
    const stored =
      '{"cascadeDelete":true,"collectionId":"_pb_users_auth_","help":"","hidden":false,"id":"t9bpk2ug","maxSelect":9999,"minSelect":0,"name":"rel_many","presentable":false,"required":false,"system":false,"type":"relation"}';
    assert.equal(
      JSON.stringify(fieldToJson(normalizeField(JSON.parse(stored) as Record<string, unknown>))),
      stored,
    );
  });

  it("casts ids like select values", () => {
    assert.equal(relationField.columnType(many()), "JSON DEFAULT '[]' NOT NULL");
    assert.deepEqual(relationField.prepareValue(many(), '["x","y","x"]'), ["x", "y"]);
    assert.equal(relationField.prepareValue(relation(), ["x", "y"]), "y");
    assert.equal(relationField.toDbValue(many(), ["x"]), '["x"]');
    assert.deepEqual(relationField.toJson(many(), null), []);
  });

  const ctx = valueContext({ existing: { users: ["u1", "u2", "u3"] } });
  const cases: [string, RelationField, unknown, string | null][] = [
    ["accepts existing ids", many(), ["u1", "u2"], null],
    ["accepts an empty optional value", relation(), "", null],
    ["requires an id when required", relation({ required: true }), "", "validation_required"],
    ["rejects fewer than minSelect ids", many({ minSelect: 2 }), ["u1"], "validation_not_enough_values"],
    [
      "rejects more than maxSelect ids",
      many({ maxSelect: 2 }),
      ["u1", "u2", "u3"],
      "validation_too_many_values",
    ],
    ["rejects ids that don't exist", many(), ["u1", "nope"], "validation_missing_rel_records"],
    [
      "rejects a missing related collection",
      many({ collectionId: "gone" }),
      ["u1"],
      "validation_missing_rel_collection",
    ],
  ];
  for (const [name, field, value, code] of cases) {
    it(name, async () => {
      assert.equal(codeOf(await relationField.validateValue(field, value, ctx)), code);
    });
  }

  it("uses PocketBase's messages", async () => {
    assert.equal(
      (await relationField.validateValue(many({ minSelect: 2 }), ["u1"], ctx))?.message,
      "Select at least 2.",
    );
    assert.equal(
      (await relationField.validateValue(many(), ["nope"], ctx))?.message,
      "Failed to find all relation records with the provided ids.",
    );
  });

  const users = collectionInfo({ id: "users", name: "users", type: "auth" });
  const view = collectionInfo({ id: "v1", name: "v1", type: "view" });
  const settings: [string, RelationField, Parameters<typeof settingsContext>[0], Record<string, unknown>][] =
    [
      ["accepts an existing collection", relation(), { others: [users] }, {}],
      ["requires collectionId", relation({ collectionId: "" }), {}, { collectionId: "validation_required" }],
      [
        "rejects an unknown collection",
        relation(),
        {},
        { collectionId: "validation_field_relation_missing_collection" },
      ],
      [
        "rejects changing the related collection",
        relation(),
        { others: [users], oldField: relation({ collectionId: "other" }) },
        { collectionId: "validation_field_relation_change" },
      ],
      [
        "rejects a non-view collection relating to a view",
        relation({ collectionId: "v1" }),
        { others: [view] },
        { collectionId: "validation_relation_field_non_view_base_collection" },
      ],
      [
        "lets a view relate to a view",
        relation({ collectionId: "v1" }),
        { others: [view], collection: { type: "view" } },
        {},
      ],
      [
        "rejects a negative minSelect",
        relation({ minSelect: -1 }),
        { others: [users] },
        { minSelect: "validation_min_greater_equal_than_required" },
      ],
      [
        "requires maxSelect with minSelect",
        relation({ minSelect: 2, maxSelect: 0 }),
        { others: [users] },
        { maxSelect: "validation_required" },
      ],
      [
        "rejects maxSelect below minSelect",
        relation({ minSelect: 3, maxSelect: 2 }),
        { others: [users] },
        { maxSelect: "validation_min_greater_equal_than_required" },
      ],
    ];
  for (const [name, field, options, expected] of settings) {
    it(name, () => {
      assert.deepEqual(treeCodes(relationField.validateSettings(field, settingsContext(options))), expected);
    });
  }

  it("supports the append, prepend and subtract modifiers", () => {
    assert.deepEqual(relationField.applyModifier(many(), "append", ["u1"], "u2"), ["u1", "u2"]);
    assert.deepEqual(relationField.applyModifier(many(), "prepend", ["u1"], ["u2"]), ["u2", "u1"]);
    assert.deepEqual(relationField.applyModifier(many(), "subtract", ["u1", "u2"], '["u1"]'), ["u2"]);
  });
});
