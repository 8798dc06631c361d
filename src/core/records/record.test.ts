import { test } from "node:test";
import assert from "node:assert/strict";
import { makeField, newCollection } from "../collections/collection-defaults.ts";
import { Record } from "./record.ts";

const users = () => {
  const c = newCollection("auth", "users");
  c.fields.push(makeField("text", "bio"), makeField("text", "secret", { hidden: true }));
  return c;
};

test("hide/unhide win over the field's hidden flag and the export options", () => {
  const r = new Record(users());
  r.set("bio", "b");
  r.set("secret", "s");
  assert.equal(r.toPublicJson().secret, undefined);
  assert.equal(r.toPublicJson({ showHidden: true }).secret, "s");
  r.unhide("secret");
  assert.equal(r.toPublicJson().secret, "s");
  r.hide("secret", "bio", "collectionName");
  const json = r.toPublicJson({ showHidden: true });
  assert.equal("secret" in json, false);
  assert.equal("bio" in json, false);
  assert.equal("collectionName" in json, false);
  assert.equal(json.collectionId, r.collection.id);
});

test("custom data is kept on the record and exported only with withCustomData(true)", () => {
  const r = new Record(users());
  r.set("score", 7);
  assert.equal(r.get("score"), 7);
  assert.deepEqual(r.customData(), { score: 7 });
  assert.equal(r.toPublicJson().score, undefined);
  assert.equal(r.withCustomData(true).toPublicJson().score, 7);
  assert.deepEqual(
    Object.keys(r.toPublicJson()),
    [...Object.keys(r.toPublicJson())].sort(),
    "keys stay sorted",
  );
});

test("ignoreEmailVisibility overrides the requester-based option", () => {
  const r = new Record(users());
  r.set("email", "a@b.c");
  assert.equal(r.toPublicJson().email, undefined);
  assert.equal(r.toPublicJson({ showEmail: true }).email, "a@b.c");
  r.ignoreEmailVisibility(false);
  assert.equal(r.toPublicJson({ showEmail: true }).email, undefined);
  r.ignoreEmailVisibility(true);
  assert.equal(r.toPublicJson().email, "a@b.c");
  r.set("emailVisibility", true);
  r.ignoreEmailVisibility(false);
  assert.equal(r.toPublicJson().email, "a@b.c", "emailVisibility still shows it");
});
