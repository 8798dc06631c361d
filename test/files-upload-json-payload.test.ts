/**
 * A multipart record write whose `@jsonPayload` also sets a file field keeps both the payload's
 * list and the uploaded files (issue 15 §9), as PocketBase does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "./helpers/http.ts";
import { startTestServer } from "./helpers/server.ts";
import { createDocs, file, storedKeys } from "./helpers/files.ts";
import { multipart } from "./helpers/records-testdata.ts";

test("@jsonPayload naming kept files plus an upload of the same field keeps both", async (t) => {
  const s = await startTestServer(t);
  const cid = await createDocs(s.pb);
  const first = new FormData();
  first.set("title", "payload");
  first.append("many", file("a", "a.txt"));
  first.append("many", file("b", "b.txt"));
  const rec = await s.pb.collection("docs").create(first);
  const [keep, drop] = rec.many as [string, string];

  const form = new FormData();
  form.set("@jsonPayload", JSON.stringify({ title: "renamed", many: [keep] }));
  form.append("many", file("c", "c.txt"));
  const res = await request(s.url, "PATCH", `/api/collections/docs/records/${rec.id}`, {
    token: s.token,
    ...(await multipart(form)),
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.title, "renamed");
  const many = res.json.many as string[];
  assert.equal(many.length, 2, res.text);
  assert.equal(many[0], keep);
  assert.match(many[1]!, /^c[a-z0-9]*_[a-z0-9]{10}\.txt$/);
  assert.ok(!many.includes(drop));

  // Create: a payload list of no names plus an upload stores the upload.
  const created = new FormData();
  created.set("@jsonPayload", JSON.stringify({ title: "new", one: "" }));
  created.set("one", file("one", "one.txt"));
  const made = await request(s.url, "POST", "/api/collections/docs/records", {
    token: s.token,
    ...(await multipart(created)),
  });
  assert.equal(made.status, 200, made.text);
  assert.match(made.json.one as string, /^one_[a-z0-9]{10}\.txt$/);
  assert.equal((await storedKeys(s.app, `${cid}/${made.json.id}/`)).length, 1);
});
