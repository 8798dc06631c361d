/**
 * The official SDK sends a record with files as multipart, with one `@jsonPayload` part per
 * object-valued field (json, geoPoint, multi relation/select): every part must be applied.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestServer } from "./helpers/server.ts";

test("every @jsonPayload part of a multipart body is merged", async (t) => {
  const srv = await startTestServer(t);
  await srv.pb.collections.create({
    name: "docs",
    type: "base",
    fields: [
      { name: "title", type: "text" },
      { name: "meta", type: "json" },
      { name: "place", type: "geoPoint" },
      { name: "tags", type: "select", values: ["a", "b"], maxSelect: 2 },
      { name: "attachment", type: "file", maxSelect: 1 },
    ],
  });
  const record = await srv.pb.collection("docs").create({
    title: "hello",
    meta: { a: 1 },
    place: { lon: 10, lat: 20 },
    tags: ["a", "b"],
    attachment: new File(["text"], "note.txt", { type: "text/plain" }),
  });
  assert.equal(record.title, "hello");
  assert.deepEqual(record.meta, { a: 1 });
  assert.deepEqual(record.place, { lon: 10, lat: 20 });
  assert.deepEqual(record.tags, ["a", "b"]);
  assert.match(record.attachment, /^note_\w+\.txt$/);
});
