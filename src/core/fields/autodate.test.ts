import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { autodateField, type AutodateField } from "./autodate.ts";
import { fieldToJson, normalizeField } from "./registry.ts";
import { settingsContext, treeCodes } from "./test-context.ts";

const autodate = (options: Partial<AutodateField> = {}): AutodateField => ({
  ...autodateField.normalize({ id: "autodate2990389176", name: "created", type: "autodate", onCreate: true }),
  ...options,
});

describe("autodate field", () => {
  it("normalizes without help like the stored rows", () => {
    assert.equal(
      JSON.stringify(
        fieldToJson(
          normalizeField({
            id: "autodate3332085495",
            name: "updated",
            type: "autodate",
            system: true,
            onCreate: true,
            onUpdate: true,
            help: "x",
          }),
        ),
      ),
      '{"hidden":false,"id":"autodate3332085495","name":"updated","onCreate":true,"onUpdate":true,"presentable":false,"system":true,"type":"autodate"}',
    );
  });

  it("casts stored values to canonical dates", () => {
    assert.equal(autodateField.columnType(), "TEXT DEFAULT '' NOT NULL");
    assert.equal(
      autodateField.prepareValue(autodate(), "2022-10-14 10:13:12.397Z"),
      "2022-10-14 10:13:12.397Z",
    );
    assert.equal(autodateField.prepareValue(autodate(), null), "");
    assert.equal(autodateField.toJson(autodate(), ""), "");
    assert.equal(autodateField.toDbValue(autodate(), "2022-10-14 10:13:12.397Z"), "2022-10-14 10:13:12.397Z");
  });

  it("never fails value validation", async () => {
    assert.equal(autodateField.validateValue(), null);
  });

  it("requires onCreate or onUpdate", () => {
    assert.deepEqual(
      treeCodes(autodateField.validateSettings(autodate({ onCreate: false }), settingsContext())),
      {
        onCreate: "validation_required",
        onUpdate: "validation_required",
      },
    );
    const tree = autodateField.validateSettings(autodate({ onCreate: false }), settingsContext());
    assert.equal((tree["onCreate"] as Error).message, "Either onCreate or onUpdate must be enabled.");
    assert.deepEqual(autodateField.validateSettings(autodate(), settingsContext()), {});
  });

  it("keeps the options of a stored system autodate", () => {
    const old = autodate({ system: true, onCreate: true, onUpdate: false });
    const changed = autodate({ system: true, onCreate: true, onUpdate: true });
    assert.deepEqual(treeCodes(autodateField.validateSettings(changed, settingsContext({ oldField: old }))), {
      onUpdate: "validation_values_mismatch",
    });
    const custom = autodate({ onCreate: true, onUpdate: true });
    assert.deepEqual(autodateField.validateSettings(custom, settingsContext({ oldField: old })), {});
  });
});
