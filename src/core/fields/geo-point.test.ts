import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { geoPointField, type GeoPointField } from "./geo-point.ts";
import { fieldToJson, normalizeField } from "./registry.ts";
import { codeOf } from "./test-context.ts";

const geo = (options: Partial<GeoPointField> = {}): GeoPointField => ({
  ...geoPointField.normalize({ id: "g1", name: "point", type: "geoPoint" }),
  ...options,
});

describe("geoPoint field", () => {
  it("normalizes a fresh field like the stored rows", () => {
    assert.equal(
      JSON.stringify(
        fieldToJson(normalizeField({ id: "geoPoint3081106212", name: "point", type: "geoPoint" })),
      ),
      '{"help":"","hidden":false,"id":"geoPoint3081106212","name":"point","presentable":false,"required":false,"system":false,"type":"geoPoint"}',
    );
  });

  it("uses a JSON column defaulting to Null Island", () => {
    assert.equal(geoPointField.columnType(), `JSON DEFAULT '{"lon":0,"lat":0}' NOT NULL`);
  });

  const casts: [string, unknown, { lon: number; lat: number }][] = [
    ["reads an object", { lon: 23.33, lat: 42.65 }, { lon: 23.33, lat: 42.65 }],
    ["reads DB JSON text", '{"lon":23.333157,"lat":42.654318}', { lon: 23.333157, lat: 42.654318 }],
    ["matches keys case-insensitively", { LON: 1, Lat: 2 }, { lon: 1, lat: 2 }],
    ["leaves non-number coordinates at 0", { lon: "1", lat: 2 }, { lon: 0, lat: 2 }],
    ["makes invalid text the zero point", "nope", { lon: 0, lat: 0 }],
    ["makes null the zero point", null, { lon: 0, lat: 0 }],
  ];
  for (const [name, raw, expected] of casts) {
    it(name, () => {
      assert.deepEqual(geoPointField.prepareValue(geo(), raw), expected);
    });
  }

  it("stores and outputs lon before lat", () => {
    assert.equal(geoPointField.toDbValue(geo(), { lat: 2, lon: 1 }), '{"lon":1,"lat":2}');
    assert.equal(JSON.stringify(geoPointField.toJson(geo(), { lat: 2, lon: 1 })), '{"lon":1,"lat":2}');
    assert.deepEqual(geoPointField.toJson(geo(), undefined), { lon: 0, lat: 0 });
  });

  const cases: [string, Partial<GeoPointField>, unknown, string | null][] = [
    ["accepts valid coordinates", {}, { lon: 180, lat: -90 }, null],
    ["accepts the zero point when optional", {}, { lon: 0, lat: 0 }, null],
    [
      "requires a non-zero point when required",
      { required: true },
      { lon: 0, lat: 0 },
      "validation_required",
    ],
    ["rejects a latitude out of range", {}, { lon: 0, lat: 91 }, "validation_invalid_latitude"],
    ["rejects a longitude out of range", {}, { lon: -181, lat: 0 }, "validation_invalid_longitude"],
    ["reports non-objects as unsupported", {}, "x", "validation_unsupported_value_type"],
  ];
  for (const [name, options, value, code] of cases) {
    it(name, async () => {
      assert.equal(codeOf(await geoPointField.validateValue(geo(options), value)), code);
    });
  }

  it("uses PocketBase's range messages", async () => {
    assert.equal(
      (await geoPointField.validateValue(geo(), { lon: 0, lat: 91 }))?.message,
      "Latitude must be between -90 and 90 degrees.",
    );
    assert.equal(
      (await geoPointField.validateValue(geo(), { lon: 181, lat: 1 }))?.message,
      "Longitude must be between -180 and 180 degrees.",
    );
    assert.deepEqual(geoPointField.validateSettings(), {});
  });
});
