/**
 * The body limit of record creates and updates on PocketBase's test data: 32 MiB plus what the
 * collection's file and JSON fields may hold. With demo1's limits cut to 5 (file_one), 2×10
 * (file_many) and 2 (json) bytes, one byte over answers 413 before any rule or hook, and a body
 * of exactly the limit gets through to the (failing) body parse.
 */
import { describe, test } from "node:test";
import { NONE } from "./helpers/records-events.ts";
import { editCollection, runTestdataScenarios, type RecordScenario } from "./helpers/records-testdata.ts";
import type { TestServer } from "./helpers/server.ts";

const LIMIT = 32 * 1024 * 1024 + 5 + 2 * 10 + 2;

const tightenDemo1 = (s: TestServer) =>
  editCollection(s.app, "demo1", (c) => {
    for (const field of c.fields) {
      if (field.type === "file" && field.name === "file_one") field.maxSize = 5;
      if (field.type === "file" && field.name === "file_many")
        Object.assign(field, { maxSize: 10, maxSelect: 2 });
      if (field.type === "json" && field.name === "json") field.maxSize = 2;
    }
  });

const rows: RecordScenario[] = [];
for (const [action, method, url] of [
  ["create", "POST", "/api/collections/demo1/records"],
  ["update", "PATCH", "/api/collections/demo1/records/imy661ixudk5izi"],
] as const) {
  rows.push(
    {
      name: `${action}: one byte over the collection's body limit`,
      method,
      url,
      body: new Uint8Array(LIMIT + 1),
      before: tightenDemo1,
      expectedStatus: 413,
      expectedContent: [`"data":{}`],
      expectedEvents: NONE,
    },
    {
      name: `${action}: a body of exactly the collection's body limit`,
      method,
      url,
      body: new Uint8Array(LIMIT),
      before: tightenDemo1,
      expectedStatus: 400,
      expectedContent: [`"data":{}`],
      expectedEvents: NONE,
    },
  );
}

describe("records body limit on PocketBase's test data", () => {
  test("per-collection limits", (t) => runTestdataScenarios(t, rows));
});
