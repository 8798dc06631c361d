import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { emailField, type EmailField } from "./email.ts";
import { fieldToJson, normalizeField } from "./registry.ts";
import { codeOf, treeCodes } from "./test-context.ts";

const email = (options: Partial<EmailField> = {}): EmailField => ({
  ...emailField.normalize({ id: "em1", name: "email", type: "email" }),
  ...options,
});

describe("email field", () => {
  it("normalizes unset domain lists to null like the stored rows", () => {
    assert.equal(
      JSON.stringify(
        fieldToJson(
          normalizeField({
            id: "email3885137012",
            name: "email",
            type: "email",
            system: true,
            required: true,
          }),
        ),
      ),
      '{"exceptDomains":null,"help":"","hidden":false,"id":"email3885137012","name":"email","onlyDomains":null,"presentable":false,"required":true,"system":true,"type":"email"}',
    );
    assert.deepEqual(emailField.normalize({ onlyDomains: [] }).onlyDomains, []);
  });

  it("stores text and casts like text", () => {
    assert.equal(emailField.columnType(), "TEXT DEFAULT '' NOT NULL");
    assert.equal(emailField.prepareValue(email(), null), "");
    assert.equal(emailField.toJson(email(), "a@b.co"), "a@b.co");
    assert.equal(emailField.toDbValue(email(), "a@b.co"), "a@b.co");
  });

  const cases: [string, Partial<EmailField>, string, string | null][] = [
    ["accepts a valid address", {}, "test@example.com", null],
    ["accepts an empty optional value", {}, "", null],
    ["requires a value when required", { required: true }, "", "validation_required"],
    ["rejects an invalid address", {}, "not-an-email", "validation_is_email"],
    ["rejects a domain without a dot", {}, "a@localhost", "validation_is_email"],
    ["accepts a domain in onlyDomains", { onlyDomains: ["example.com"] }, "a@example.com", null],
    [
      "rejects a domain outside onlyDomains",
      { onlyDomains: ["example.com"] },
      "a@other.com",
      "validation_email_domain_not_allowed",
    ],
    [
      "rejects a domain in exceptDomains",
      { exceptDomains: ["example.com"] },
      "a@example.com",
      "validation_email_domain_not_allowed",
    ],
    [
      "compares the text after the last @",
      { exceptDomains: ["b.com"] },
      '"a@x.com"@b.com',
      "validation_email_domain_not_allowed",
    ],
  ];
  for (const [name, options, value, code] of cases) {
    it(name, async () => {
      assert.equal(codeOf(await emailField.validateValue(email(options), value)), code);
    });
  }

  it("uses PocketBase's messages", async () => {
    assert.equal((await emailField.validateValue(email(), "bad"))?.message, "Must be a valid email address.");
    assert.equal(
      (await emailField.validateValue(email({ onlyDomains: ["x.com"] }), "a@b.com"))?.message,
      "Email domain is not allowed.",
    );
  });

  const settings: [string, Partial<EmailField>, Record<string, unknown>][] = [
    ["accepts no domain lists", {}, {}],
    ["accepts a valid onlyDomains list", { onlyDomains: ["example.com"] }, {}],
    [
      "rejects setting both lists",
      { onlyDomains: ["a.com"], exceptDomains: ["b.com"] },
      { exceptDomains: "validation_empty", onlyDomains: "validation_empty" },
    ],
    [
      "rejects invalid domains by index",
      { exceptDomains: ["ok.com", "bad domain"] },
      { exceptDomains: { "1": "validation_is_domain" } },
    ],
  ];
  for (const [name, options, expected] of settings) {
    it(name, () => {
      assert.deepEqual(treeCodes(emailField.validateSettings(email(options))), expected);
    });
  }
});
