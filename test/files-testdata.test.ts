/**
 * Files on a copy of PocketBase's own test data folder: its stored files and thumbnails served
 * byte for byte, protected files and view records as in PocketBase's apis/file_test.go (each
 * scenario also as HEAD), file tokens, concurrent thumb generation, and file cleanup when
 * records are updated or deleted.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { countEvents } from "./helpers/scenario.ts";
import { TESTDATA_DIR } from "./helpers/testdata.ts";
import { TOKENS, editCollection, startOnTestdata } from "./helpers/records-testdata.ts";
import type { TestServer } from "./helpers/server.ts";
import { eventually, file, storedKeys } from "./helpers/files.ts";

const stored = (path: string): Buffer => readFileSync(join(TESTDATA_DIR, "storage", path));

const AVATAR = "_pb_users_auth_/4q1xlclmfloku33/300_1SEi6Q6U72.png";
const thumbOf = (size: string) =>
  `_pb_users_auth_/4q1xlclmfloku33/thumbs_300_1SEi6Q6U72.png/${size}_300_1SEi6Q6U72.png`;

/** File tokens of the test data (PocketBase's apis/file_test.go). */
const FILE_TOKENS = {
  superuserExpired:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InN5d2JoZWNuaDQ2cmhtMCIsImV4cCI6MTY0MDk5MTY2MSwidHlwZSI6ImZpbGUiLCJjb2xsZWN0aW9uSWQiOiJwYmNfMzE0MjYzNTgyMyJ9.nqqtqpPhxU0045F4XP_ruAkzAidYBc5oPy9ErN3XBq0",
  superuser:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InN5d2JoZWNuaDQ2cmhtMCIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6ImZpbGUiLCJjb2xsZWN0aW9uSWQiOiJwYmNfMzE0MjYzNTgyMyJ9.Lupz541xRvrktwkrl55p5pPCF77T69ZRsohsIcb2dxc",
  user: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6ImZpbGUiLCJjb2xsZWN0aW9uSWQiOiJfcGJfdXNlcnNfYXV0aF8ifQ.nSTLuCPcGpWn2K2l-BFkC3Vlzc-ZTDPByYq8dN1oPSo",
} as const;

interface FileScenario {
  name: string;
  url: string;
  before?: (s: TestServer) => Promise<void>;
  status: number;
  /** The exact body (a stored file), or a substring of it. */
  body?: Buffer;
  contains?: string;
}

const NOT_FOUND = `"data":{}`;

const demo1ViewRule = (rule: string) => (s: TestServer) =>
  editCollection(s.app, "demo1", (c) => {
    c.viewRule = rule;
  });

const scenarios: FileScenario[] = [
  {
    name: "missing collection",
    url: "/api/files/missing/4q1xlclmfloku33/300_1SEi6Q6U72.png",
    status: 404,
    contains: NOT_FOUND,
  },
  {
    name: "missing record",
    url: "/api/files/_pb_users_auth_/missing/300_1SEi6Q6U72.png",
    status: 404,
    contains: NOT_FOUND,
  },
  {
    name: "missing file",
    url: "/api/files/_pb_users_auth_/4q1xlclmfloku33/missing.png",
    status: 404,
    contains: NOT_FOUND,
  },
  { name: "existing image", url: `/api/files/${AVATAR}`, status: 200, body: stored(AVATAR) },
  {
    name: "existing image by collection name",
    url: "/api/files/users/4q1xlclmfloku33/300_1SEi6Q6U72.png",
    status: 200,
    body: stored(AVATAR),
  },
  {
    name: "a thumb size that is not allowed falls back to the original",
    url: `/api/files/${AVATAR}?thumb=999x999`,
    status: 200,
    body: stored(AVATAR),
  },
  ...["100x100", "70x50", "70x50t", "70x50b", "70x50f", "0x50", "70x0"].map((size) => ({
    name: `existing thumb ${size}`,
    url: `/api/files/${AVATAR}?thumb=${size}`,
    status: 200,
    body: stored(thumbOf(size)),
  })),
  {
    name: "a non-image ignores the thumb parameter",
    url: "/api/files/_pb_users_auth_/oap640cot4yru2s/test_kfd2wYLxkz.txt?thumb=100x100",
    status: 200,
    body: stored("_pb_users_auth_/oap640cot4yru2s/test_kfd2wYLxkz.txt"),
  },
  {
    name: "protected file: superuser with an expired file token",
    url: `/api/files/demo1/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png?token=${FILE_TOKENS.superuserExpired}`,
    status: 404,
    contains: NOT_FOUND,
  },
  {
    name: "protected file: superuser with a valid file token",
    url: `/api/files/demo1/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png?token=${FILE_TOKENS.superuser}`,
    status: 200,
    body: stored("wsmn24bux7wo113/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png"),
  },
  {
    name: "protected file: guest without view access",
    url: "/api/files/demo1/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png",
    status: 404,
    contains: NOT_FOUND,
  },
  {
    name: "protected file: guest with view access",
    url: "/api/files/demo1/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png",
    before: demo1ViewRule(""),
    status: 200,
    contains: "PNG",
  },
  {
    name: "protected file: auth record without view access",
    url: `/api/files/demo1/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png?token=${FILE_TOKENS.user}`,
    before: demo1ViewRule("@request.auth.verified = true"),
    status: 404,
    contains: NOT_FOUND,
  },
  {
    name: "protected file: auth record with view access",
    url: `/api/files/demo1/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png?token=${FILE_TOKENS.user}`,
    before: demo1ViewRule("@request.auth.verified = false"),
    status: 200,
    contains: "PNG",
  },
  {
    name: "protected file in a view: the view's rule fails",
    url: `/api/files/view1/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png?token=${FILE_TOKENS.user}`,
    status: 404,
    contains: NOT_FOUND,
  },
  {
    name: "protected file in a view: the view's rule passes",
    url: `/api/files/view1/84nmscqy84lsi1t/test_d61b33QdDU.txt?token=${FILE_TOKENS.user}`,
    status: 200,
    body: stored("wsmn24bux7wo113/84nmscqy84lsi1t/test_d61b33QdDU.txt"),
  },
  {
    name: "a file of a view of a view",
    url: "/api/files/view2/84nmscqy84lsi1t/test_MaWC6mWyrP.txt",
    status: 200,
    body: stored("wsmn24bux7wo113/84nmscqy84lsi1t/test_MaWC6mWyrP.txt"),
  },
];

async function runFileScenario(t: TestContext, row: FileScenario, method: "GET" | "HEAD"): Promise<void> {
  const s = await startOnTestdata(t);
  if (!s) return;
  await row.before?.(s);
  const counts = countEvents(s.app);
  const res = await fetch(s.url + row.url, { method });
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, row.status, body.toString());
  if (method === "HEAD") assert.equal(body.length, 0);
  else if (row.body) assert.ok(body.equals(row.body), "the served bytes differ from the stored file");
  else if (row.contains) assert.ok(body.toString("latin1").includes(row.contains), body.toString());
  const fired = Object.fromEntries([...counts].filter(([, n]) => n > 0));
  assert.deepEqual(fired, row.status === 200 ? { onFileDownloadRequest: 1 } : {});
}

describe("files of PocketBase's test data", () => {
  for (const row of scenarios) {
    test(row.name, async (t) => runFileScenario(t, row, "GET"));
    test(`(HEAD) ${row.name}`, async (t) => runFileScenario(t, row, "HEAD"));
  }

  test("file tokens: guests 401, users and superusers 200", async (t) => {
    const s = await startOnTestdata(t);
    if (!s) return;
    const counts = countEvents(s.app);
    const guest = await fetch(`${s.url}/api/files/token`, { method: "POST" });
    assert.equal(guest.status, 401);
    assert.match(await guest.text(), /"data":\{\}/);
    assert.equal(counts.get("onFileTokenRequest") ?? 0, 0);
    for (const token of [TOKENS.user, TOKENS.superuser]) {
      const res: Response = await fetch(`${s.url}/api/files/token`, {
        method: "POST",
        headers: { authorization: token },
      });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /"token":"/);
    }
    assert.equal(counts.get("onFileTokenRequest"), 2);
  });

  test("concurrent requests for new thumbs make each once", async (t) => {
    const s = await startOnTestdata(t);
    if (!s) return;
    await editCollection(s.app, "demo1", (c) => {
      const field = c.fields.find((f) => f.name === "file_one");
      assert.ok(field?.type === "file");
      field.protected = false;
      field.thumbs = ["111x111", "111x222", "111x333"];
    });
    const key = "wsmn24bux7wo113/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png";
    await Promise.all(
      ["111x111", "111x111", "111x222", "111x333"].map(async (size) => {
        const res = await fetch(`${s.url}/api/files/${key}?thumb=${size}`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }),
    );
    for (const size of ["111x111", "111x222", "111x333"]) {
      assert.ok(
        existsSync(
          join(
            s.dir,
            "storage",
            `wsmn24bux7wo113/al1h9ijdeojtsjy/thumbs_300_Jsjq7RdBgA.png/${size}_300_Jsjq7RdBgA.png`,
          ),
        ),
      );
    }
  });

  test("replacing an avatar deletes the old file and its thumbs after commit", async (t) => {
    const s = await startOnTestdata(t);
    if (!s) return;
    const form = new FormData();
    form.set("avatar", file(stored(AVATAR), "new.png"));
    const res = await fetch(`${s.url}/api/collections/users/records/4q1xlclmfloku33`, {
      method: "PATCH",
      body: form,
      headers: { authorization: TOKENS.user },
    });
    const json = (await res.json()) as { avatar: string };
    assert.equal(res.status, 200, JSON.stringify(json));
    assert.match(json.avatar, /^new_[a-z0-9]{10}\.png$/);
    await eventually(async () =>
      assert.deepEqual(await storedKeys(s.app, "_pb_users_auth_/4q1xlclmfloku33/"), [
        `_pb_users_auth_/4q1xlclmfloku33/${json.avatar}`,
      ]),
    );
  });

  test("a cascade delete removes the folders of every deleted record", async (t) => {
    const s = await startOnTestdata(t);
    if (!s) return;
    assert.ok((await storedKeys(s.app, "wsmn24bux7wo113/84nmscqy84lsi1t/")).length > 0);
    const res = await fetch(`${s.url}/api/collections/users/records/oap640cot4yru2s`, {
      method: "DELETE",
      headers: { authorization: TOKENS.superuser },
    });
    assert.equal(res.status, 204, await res.text());
    await eventually(async () => {
      assert.deepEqual(await storedKeys(s.app, "wsmn24bux7wo113/84nmscqy84lsi1t/"), []);
      assert.deepEqual(await storedKeys(s.app, "_pb_users_auth_/oap640cot4yru2s/"), []);
    });
    assert.ok((await storedKeys(s.app, "_pb_users_auth_/4q1xlclmfloku33/")).length > 0);
  });
});
