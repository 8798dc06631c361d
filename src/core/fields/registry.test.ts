import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  fieldToJson,
  fieldTypes,
  getFieldType,
  hasFieldType,
  newFieldId,
  normalizeField,
} from "./registry.ts";

// The fields of the `_otps` system collection as stored (spec §7.8); current PocketBase writes
// `help` on every field except autodate.
const OTPS_FIELDS = [
  '{"autogeneratePattern":"[a-z0-9]{15}","hidden":false,"id":"text3208210256","max":15,"min":15,"name":"id","pattern":"^[a-z0-9]+$","presentable":false,"primaryKey":true,"required":true,"system":true,"type":"text"}',
  '{"autogeneratePattern":"","hidden":false,"id":"text455797646","max":0,"min":0,"name":"collectionRef","pattern":"","presentable":false,"primaryKey":false,"required":true,"system":true,"type":"text"}',
  '{"autogeneratePattern":"","hidden":false,"id":"text127846527","max":0,"min":0,"name":"recordRef","pattern":"","presentable":false,"primaryKey":false,"required":true,"system":true,"type":"text"}',
  '{"cost":8,"hidden":true,"id":"password901924565","max":0,"min":0,"name":"password","pattern":"","presentable":false,"required":true,"system":true,"type":"password"}',
  '{"hidden":false,"id":"autodate2990389176","name":"created","onCreate":true,"onUpdate":false,"presentable":false,"system":true,"type":"autodate"}',
  '{"hidden":false,"id":"autodate3332085495","name":"updated","onCreate":true,"onUpdate":true,"presentable":false,"system":true,"type":"autodate"}',
  '{"autogeneratePattern":"","hidden":true,"id":"text3866985172","max":0,"min":0,"name":"sentTo","pattern":"","presentable":false,"primaryKey":false,"required":false,"system":true,"type":"text"}',
];

describe("field registry", () => {
  it("lists the 14 field types", () => {
    assert.deepEqual(Object.keys(fieldTypes).sort(), [
      "autodate",
      "bool",
      "date",
      "editor",
      "email",
      "file",
      "geoPoint",
      "json",
      "number",
      "password",
      "relation",
      "select",
      "text",
      "url",
    ]);
    for (const [name, type] of Object.entries(fieldTypes)) assert.equal(type.type, name);
  });

  it("derives field ids from the CRC-32 of the name", () => {
    assert.equal(newFieldId("text", "id"), "text3208210256");
    assert.equal(newFieldId("text", "collectionRef"), "text455797646");
    assert.equal(newFieldId("autodate", "created"), "autodate2990389176");
    assert.equal(newFieldId("password", "password"), "password901924565");
  });

  it("round-trips the stored _otps fields, adding help except on autodate", () => {
    for (const stored of OTPS_FIELDS) {
      const raw = JSON.parse(stored) as Record<string, unknown>;
      const expected = raw["type"] === "autodate" ? stored : stored.replace('"hidden"', '"help":"","hidden"');
      assert.equal(JSON.stringify(fieldToJson(normalizeField(raw))), expected);
    }
  });

  it("drops unknown keys and fills defaults", () => {
    const field = normalizeField({ id: "x", name: "n", type: "bool", bogus: 1, required: "true" });
    assert.deepEqual(fieldToJson(field), {
      help: "",
      hidden: false,
      id: "x",
      name: "n",
      presentable: false,
      required: true,
      system: false,
      type: "bool",
    });
  });

  it("keeps an unknown type for the collection validator to report", () => {
    const field = normalizeField({ id: "x", name: "n", type: "nope", min: 1 });
    const type: string = field.type;
    assert.equal(type, "nope");
    assert.equal(hasFieldType(type), false);
    assert.deepEqual(Object.keys(fieldToJson(field)), [
      "help",
      "hidden",
      "id",
      "name",
      "presentable",
      "system",
      "type",
    ]);
    assert.throws(() => getFieldType("nope"), /Unknown field type/);
  });

  it("answers hasFieldType only for own type names", () => {
    assert.equal(hasFieldType("text"), true);
    assert.equal(hasFieldType("toString"), false);
  });

  it("gives every type a DDL, JSON empty value and DB value", () => {
    const empties: Record<string, unknown> = {
      text: "",
      editor: "",
      number: 0,
      bool: false,
      email: "",
      url: "",
      date: "",
      autodate: "",
      select: "",
      file: "",
      relation: "",
      json: null,
      password: "",
      geoPoint: { lon: 0, lat: 0 },
    };
    for (const name of Object.keys(fieldTypes)) {
      const field = normalizeField({ id: "f", name: "f", type: name });
      const type = getFieldType(name);
      const value = type.prepareValue(field, undefined);
      assert.deepEqual(type.toJson(field, value), empties[name], name);
      assert.ok(type.columnType(field).length > 0);
      assert.notEqual(type.toDbValue(field, value), undefined, name);
    }
  });
});
