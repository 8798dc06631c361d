import { test } from "node:test";
import assert from "node:assert/strict";
import {
  isDnsName,
  isEmail,
  isHexColor,
  isHost,
  isIpAddress,
  isIpOrCidr,
  isUrl,
} from "./settings-format-checks.ts";

const table = (fn: (v: string) => boolean, valid: string[], invalid: string[]) => {
  for (const v of valid) assert.equal(fn(v), true, `expected valid: ${JSON.stringify(v)}`);
  for (const v of invalid) assert.equal(fn(v), false, `expected invalid: ${JSON.stringify(v)}`);
};

test("IP addresses", () => {
  table(
    isIpAddress,
    ["127.0.0.1", "0.0.0.0", "::", "::1", "2001:db8::8a2e:370:7334", "::ffff:192.0.2.1"],
    ["", "1.2.3", "256.1.1.1", "01.2.3.4", "fe80::1%eth0", "[::1]", "1.2.3.4:80", "localhost"],
  );
});

test("IP addresses or CIDR ranges", () => {
  table(
    isIpOrCidr,
    ["10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "192.168.1.0/32", "::/0", "2001:db8::/128"],
    [
      "10.0.0.0/33",
      "::/129",
      "10.0.0.0/",
      "10.0.0.0/-1",
      "10.0.0.0/8/8",
      "/8",
      "example.com/8",
      "10.0.0.0/a",
    ],
  );
});

test("DNS names and hosts", () => {
  table(
    isDnsName,
    ["localhost", "smtp.example.com", "smtp.example.com.", "a_b.example", "xn--80ak6aa92e.com", "123"],
    ["", ".example.com", "exa mple.com", "-bad.com", "a..b", "a".repeat(64) + ".com", "1.2.3.4"],
  );
  table(isHost, ["1.2.3.4", "::1", "mail.test"], ["", "mail.test:25", "http://mail.test", "[::1]"]);
});

test("URLs in PocketBase's permissive sense", () => {
  table(
    isUrl,
    [
      "http://localhost:8090",
      "https://example.com",
      "https://example.com/a/b?c=d#e",
      "http://127.0.0.1:8090/_/",
      "http://[::1]:8090/",
      "https://user:pass@example.com",
      "example.com",
      "example.com/path",
      "localhost:8090",
      "wss://realtime.example.com",
      "https://пример.рф",
      "http://example.com.",
    ],
    [
      "",
      "abc",
      "hello",
      "not a url",
      "http://",
      "http://exa mple.com",
      "http://example.com:123456",
      "http://example.com:",
      "javascript:alert(1)",
      "//example.com",
      ".example.com",
      "http://.example.com",
      "HTTP://example.com",
      "mongodb://example.com",
      "http://@example.com",
      "http://[::1",
      "http://[1.2.3.4]/",
      "https://a".padEnd(2100, "a"),
    ],
  );
});

test("e-mail addresses", () => {
  table(
    isEmail,
    ["support@example.com", "a.b+c@sub.example.org", "Test@Example.COM", "x@example.com.", "ünï@пример.рф"],
    [
      "",
      "support",
      "@example.com",
      "a@localhost",
      "a..b@example.com",
      ".a@example.com",
      "a@-x.com",
      "a@x.c0m1",
      "a b@x.com",
    ],
  );
});

test("hex colours", () => {
  table(isHexColor, ["#1055c9", "#ABCDEF", "#000000"], ["", "1055c9", "#fff", "#1055c9ff", "#12345g", "red"]);
});
