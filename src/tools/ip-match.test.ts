import assert from "node:assert/strict";
import { it } from "node:test";
import { ipMatcher } from "./ip-match.ts";

it("matches addresses and CIDR ranges of both families", () => {
  const match = ipMatcher(["10.0.0.0/8", "192.168.1.5", "2001:db8::/32", "::1", "bad", "1.2.3.4/99"]);
  assert.equal(match("10.20.30.40"), true);
  assert.equal(match("::ffff:10.1.1.1"), true);
  assert.equal(match("192.168.1.5"), true);
  assert.equal(match("192.168.1.6"), false);
  assert.equal(match("2001:db8:1::5"), true);
  assert.equal(match("::1"), true);
  assert.equal(match("127.0.0.1"), false);
  assert.equal(match("not-an-ip"), false);
  assert.equal(ipMatcher([])("127.0.0.1"), false);
});
