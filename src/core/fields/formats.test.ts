import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isDomain, isEmailFormat, isUrl, urlHost } from "./formats.ts";

describe("format checks", () => {
  const emails: [string, boolean][] = [
    ["test@example.com", true],
    ["a.b+c@sub.example.co", true],
    ['"quoted x"@ex.com', true],
    ["ü@ex.com", true],
    ["a@ex.com.", true],
    ["bad", false],
    ["a@b", false],
    ["a@b.c1", false],
    ["a..b@ex.com", false],
    [".a@ex.com", false],
    ["a@-ex.com", false],
    ["a b@ex.com", false],
  ];
  for (const [value, expected] of emails) {
    it(`${expected ? "accepts" : "rejects"} the email ${JSON.stringify(value)}`, () =>
      assert.equal(isEmailFormat(value), expected));
  }

  const urls: [string, boolean][] = [
    ["https://example.com", true],
    ["https://sub.example.com/path?x=1#frag", true],
    ["example.com", true],
    ["http://localhost:8090", true],
    ["http://127.0.0.1:8080/x", true],
    ["http://[::1]:80/", true],
    ["ftp://user:pw@host.com/x", true],
    ["mailto:x@y.com", true],
    ["not a url", false],
    ["abc", false],
    ["HTTP://example.com", false],
    ["http://a.com/%zz", false],
    ["http://a.com:port", false],
    [".example.com", false],
    ["a.c", false],
  ];
  for (const [value, expected] of urls) {
    it(`${expected ? "accepts" : "rejects"} the url ${JSON.stringify(value)}`, () =>
      assert.equal(isUrl(value), expected));
  }

  it("extracts the host with its port, empty without a scheme", () => {
    assert.equal(urlHost("https://user@Example.com:8080/x"), "Example.com:8080");
    assert.equal(urlHost("example.com/x"), "");
  });

  const domains: [string, boolean][] = [
    ["example.com", true],
    ["EXAMPLE.COM", true],
    ["a-b.co.uk", true],
    ["localhost", false],
    ["-a.com", false],
    ["ex_ample.com", false],
    ["a.123", false],
  ];
  for (const [value, expected] of domains) {
    it(`${expected ? "accepts" : "rejects"} the domain ${JSON.stringify(value)}`, () =>
      assert.equal(isDomain(value), expected));
  }

  it("stays fast on hostile input (no backtracking blow-up)", () => {
    const start = performance.now();
    isUrl(`http://${"a".repeat(2000)}!`);
    isUrl(`http://${"a-".repeat(1000)}!`);
    isEmailFormat(`a@${"a.".repeat(2000)}!`);
    isEmailFormat(`"${" ".repeat(4000)}`);
    assert.ok(performance.now() - start < 2000);
  });
});
