import { test } from "node:test";
import assert from "node:assert/strict";
import { Collection } from "./collection.ts";
import { Field, FieldsList, fieldGlobals } from "./fields.ts";

test("new Collection: PocketBase's id, system fields and auth defaults", () => {
  const base = new Collection({ type: "base", name: "notes", fields: [{ name: "body", type: "text" }] });
  assert.match(base.id, /^pbc_\d+$/);
  assert.equal(base.id, new Collection({ type: "base", name: "notes" }).id);
  assert.deepEqual(base.fields.fieldNames(), ["body"], "a fields array replaces the list");
  assert.equal(base.fields[0]?.type(), "text");
  assert.match(base.fields[0]?.id ?? "", /^text\d+$/);
  assert.ok(base.isBase() && !base.isAuth());

  const auth = new Collection({ type: "auth", name: "members" });
  assert.deepEqual(auth.fields.fieldNames(), [
    "id",
    "password",
    "tokenKey",
    "email",
    "emailVisibility",
    "verified",
  ]);
  const token = auth.authToken as { secret: string; duration: number };
  assert.equal(token.secret.length, 50);
  assert.ok(token.duration > 0);
  assert.equal(auth.manageRule, null);
  const json = JSON.parse(JSON.stringify(auth)) as { authToken: { secret?: string } };
  assert.equal(json.authToken.secret, undefined, "API JSON hides secrets");
  assert.equal((auth.toWire().authToken as { secret: string }).secret, token.secret, "wire keeps them");

  const turned = new Collection({ type: "base", name: "a" });
  turned.type = "auth";
  const other = new Collection({ type: "base", name: "b" });
  other.type = "auth";
  const secretOf = (c: Collection) => (c.toWire().authToken as { secret: string }).secret;
  assert.equal(secretOf(turned).length, 50);
  assert.notEqual(secretOf(turned), secretOf(other), "fresh secrets, never shared");

  const blank = new Collection();
  assert.equal(blank.id, "");
  assert.equal(blank.fields.length, 0);
  assert.ok(blank.isNew());
});

test("collection wire round trip and helpers", () => {
  const c = new Collection({ type: "auth", name: "users", listRule: "", indexes: [] });
  c.addIndex("idx_x", true, "`email`", "email != ''");
  assert.equal(c.getIndex("idx_x"), "CREATE UNIQUE INDEX `idx_x` ON `users` (`email`) WHERE email != ''");
  const back = Collection.fromWire(structuredClone(c.toWire()));
  assert.ok(!back.isNew());
  assert.deepEqual(back.toWire(), c.toWire());
  assert.equal(back.listRule, "");
  assert.equal(back.viewRule, null);
  back.removeIndex("idx_x");
  assert.equal(back.getIndex("idx_x"), "");
  const view = new Collection({ type: "view", name: "v", viewQuery: "select id from users" });
  assert.equal(view.toWire().viewQuery, "select id from users");
  assert.equal(view.tableName(), "_collections");
  assert.equal(view.baseFilesPath(), view.id);
});

test("fields: classes, defaults, FieldsList add/addAt/remove", () => {
  const f = new Field({ type: "number", name: "n", min: 1 });
  assert.ok(f instanceof fieldGlobals.NumberField!);
  assert.equal(f.type(), "number");
  assert.equal(f.min, 1);
  assert.equal(f.max, null);
  assert.equal(f.columnType(), "NUMERIC DEFAULT 0 NOT NULL");
  const sel = new fieldGlobals.SelectField!({ name: "s", maxSelect: 3, values: ["a"] });
  assert.equal((sel as unknown as { isMultiple(): boolean }).isMultiple(), true);
  assert.deepEqual(sel.prepareValue(null, "a"), ["a"]);
  assert.deepEqual(Object.keys(fieldGlobals).sort().length, 14);
  assert.throws(() => sel.validateValue(), /not supported in Satchel/);

  const list = new FieldsList([{ name: "a", type: "text" }]);
  list.add(new fieldGlobals.BoolField!({ name: "b" }));
  list.add({ name: "a", type: "text", max: 5 });
  assert.deepEqual(list.fieldNames(), ["a", "b"]);
  assert.equal(list.getByName("a")?.max, 5);
  list.addAt(0, list.getByName("b"));
  assert.deepEqual(list.fieldNames(), ["b", "a"]);
  list.addMarshaledJSON('[{"name":"c","type":"email"}]');
  assert.equal(list.getByName("c")?.type(), "email");
  list.removeByName("a");
  list.removeById(list.getByName("c")?.id ?? "");
  assert.deepEqual(list.fieldNames(), ["b"]);
  assert.equal(
    JSON.stringify(list),
    '[{"help":"","hidden":false,"id":"bool98","name":"b","presentable":false,"required":false,"system":false,"type":"bool"}]'.replace(
      "bool98",
      list[0]?.id ?? "",
    ),
  );
  assert.deepEqual(Object.keys(list.asMap()), ["b"]);
  assert.deepEqual(list.clone().fieldNames(), ["b"]);
});
