import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldToJson, normalizeField } from "./registry.ts";
import { codeOf, treeCodes } from "./test-context.ts";
import { urlField, type UrlField } from "./url.ts";

const url = (options: Partial<UrlField> = {}): UrlField => ({
  ...urlField.normalize({ id: "u1", name: "site", type: "url" }),
  ...options,
});

describe("url field", () => {
  it("normalizes a fresh field like the stored rows", () => {
    assert.equal(
      JSON.stringify(fieldToJson(normalizeField({ id: "ktas5n7b", name: "url", type: "url" }))),
      '{"exceptDomains":null,"help":"","hidden":false,"id":"ktas5n7b","name":"url","onlyDomains":null,"presentable":false,"required":false,"system":false,"type":"url"}',
    );
  });

  it("stores text and casts like text", () => {
    assert.equal(urlField.columnType(), "TEXT DEFAULT '' NOT NULL");
    assert.equal(urlField.prepareValue(url(), 1), "1");
    assert.equal(urlField.toJson(url(), "https://a.com"), "https://a.com");
    assert.equal(urlField.toDbValue(url(), "https://a.com"), "https://a.com");
  });

  const cases: [string, Partial<UrlField>, string, string | null][] = [
    ["accepts an https URL", {}, "https://example.com/path?q=1#x", null],
    ["accepts a scheme-less host like govalidator", {}, "example.com", null],
    ["accepts an empty optional value", {}, "", null],
    ["requires a value when required", { required: true }, "", "validation_required"],
    ["rejects text with spaces", {}, "not a url", "validation_invalid_url"],
    ["rejects a bare word", {}, "abc", "validation_invalid_url"],
    ["rejects bad percent escapes", {}, "http://a.com/%zz", "validation_invalid_url"],
    ["accepts a host in onlyDomains", { onlyDomains: ["example.com"] }, "https://example.com/x", null],
    [
      "compares the host with its port",
      { onlyDomains: ["example.com"] },
      "https://example.com:8080",
      "validation_url_domain_not_allowed",
    ],
    [
      "rejects a host in exceptDomains",
      { exceptDomains: ["example.com"] },
      "https://example.com",
      "validation_url_domain_not_allowed",
    ],
  ];
  for (const [name, options, value, code] of cases) {
    it(name, async () => {
      assert.equal(codeOf(await urlField.validateValue(url(options), value)), code);
    });
  }

  it("uses PocketBase's messages", async () => {
    assert.equal((await urlField.validateValue(url(), "not a url"))?.message, "Must be a valid url.");
    assert.equal(
      (await urlField.validateValue(url({ exceptDomains: ["a.com"] }), "http://a.com"))?.message,
      "Url domain is not allowed.",
    );
  });

  it("validates its domain lists like the email field", () => {
    assert.deepEqual(
      treeCodes(urlField.validateSettings(url({ onlyDomains: ["a.com"], exceptDomains: ["b.com"] }))),
      {
        exceptDomains: "validation_empty",
        onlyDomains: "validation_empty",
      },
    );
  });
});
