/**
 * The files API on a copy of PocketBase's test data folder, scenario by scenario (the requests
 * of PocketBase's apis/file_test.go): file tokens, downloads and thumbs (each also as HEAD),
 * protected files through the view rule, and the file rate-limit labels, with the hooks fired.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { TESTDATA_DIR } from "./helpers/testdata.ts";
import { as, editCollection, runTestdataScenarios, type RecordScenario } from "./helpers/records-testdata.ts";
import type { RateLimitRule } from "../src/core/settings/settings-model.ts";
import type { TestServer } from "./helpers/server.ts";

const NONE = { "*": 0 };
const DATA_EMPTY = [`"data":{}`];
const DOWNLOADED = { "*": 0, onFileDownloadRequest: 1 };
const TOKEN_ISSUED = { "*": 0, onFileTokenRequest: 1 };

/** A stored file of the test data, as text (compared the way the runner reads bodies). */
const stored = (path: string) => new TextDecoder().decode(readFileSync(join(TESTDATA_DIR, "storage", path)));

const AVATAR = "_pb_users_auth_/4q1xlclmfloku33/300_1SEi6Q6U72.png";
const thumbOf = (size: string) =>
  `_pb_users_auth_/4q1xlclmfloku33/thumbs_300_1SEi6Q6U72.png/${size}_300_1SEi6Q6U72.png`;
const PROTECTED = "/api/files/demo1/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png";

/** File tokens of the test data (HS256, signed with its keys). */
const FILE_TOKEN = {
  superuserExpired:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InN5d2JoZWNuaDQ2cmhtMCIsImV4cCI6MTY0MDk5MTY2MSwidHlwZSI6ImZpbGUiLCJjb2xsZWN0aW9uSWQiOiJwYmNfMzE0MjYzNTgyMyJ9.nqqtqpPhxU0045F4XP_ruAkzAidYBc5oPy9ErN3XBq0",
  superuser:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6InN5d2JoZWNuaDQ2cmhtMCIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6ImZpbGUiLCJjb2xsZWN0aW9uSWQiOiJwYmNfMzE0MjYzNTgyMyJ9.Lupz541xRvrktwkrl55p5pPCF77T69ZRsohsIcb2dxc",
  user: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6ImZpbGUiLCJjb2xsZWN0aW9uSWQiOiJfcGJfdXNlcnNfYXV0aF8ifQ.nSTLuCPcGpWn2K2l-BFkC3Vlzc-ZTDPByYq8dN1oPSo",
} as const;

const demo1ViewRule = (rule: string) => (s: TestServer) =>
  editCollection(s.app, "demo1", (c) => {
    c.viewRule = rule;
  });

const rateLimited = (rules: Partial<RateLimitRule>[]) => (s: TestServer) => {
  const config = s.app.settings().rateLimits;
  config.enabled = true;
  config.rules = rules.map((r) => ({ audience: "", duration: 1, maxRequests: 0, label: "", ...r }));
};

const tokens: RecordScenario[] = [
  {
    name: "token: guest",
    method: "POST",
    url: "/api/files/token",
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "token: regular user",
    method: "POST",
    url: "/api/files/token",
    auth: as("user"),
    expectedStatus: 200,
    expectedContent: [`"token":"`],
    expectedEvents: TOKEN_ISSUED,
  },
  {
    name: "token: superuser",
    method: "POST",
    url: "/api/files/token",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [`"token":"`],
    expectedEvents: TOKEN_ISSUED,
  },
  {
    name: "token: a hook replaces the token",
    method: "POST",
    url: "/api/files/token",
    auth: as("superuser"),
    before: (s) => {
      s.app.hooks.onFileTokenRequest.bindFunc((e) => {
        e.token = "test";
        return e.next();
      });
    },
    expectedStatus: 200,
    expectedContent: [`"token":"test"`],
    expectedEvents: TOKEN_ISSUED,
  },
];

const downloads: RecordScenario[] = [
  {
    name: "missing collection",
    method: "GET",
    url: "/api/files/missing/4q1xlclmfloku33/300_1SEi6Q6U72.png",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "missing record",
    method: "GET",
    url: "/api/files/_pb_users_auth_/missing/300_1SEi6Q6U72.png",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "missing file",
    method: "GET",
    url: "/api/files/_pb_users_auth_/4q1xlclmfloku33/missing.png",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "an image",
    method: "GET",
    url: `/api/files/${AVATAR}`,
    expectedStatus: 200,
    expectedContent: [stored(AVATAR)],
    expectedEvents: DOWNLOADED,
  },
  {
    name: "a thumb size the field does not list falls back to the original",
    method: "GET",
    url: `/api/files/${AVATAR}?thumb=999x999`,
    expectedStatus: 200,
    expectedContent: [stored(AVATAR)],
    expectedEvents: DOWNLOADED,
  },
  ...["70x50", "70x50t", "70x50b", "70x50f", "0x50", "70x0"].map((size): RecordScenario => ({
    name: `the stored ${size} thumb`,
    method: "GET",
    url: `/api/files/${AVATAR}?thumb=${size}`,
    expectedStatus: 200,
    expectedContent: [stored(thumbOf(size))],
    expectedEvents: DOWNLOADED,
  })),
  {
    name: "a non-image ignores the thumb parameter",
    method: "GET",
    url: "/api/files/_pb_users_auth_/oap640cot4yru2s/test_kfd2wYLxkz.txt?thumb=100x100",
    expectedStatus: 200,
    expectedContent: [stored("_pb_users_auth_/oap640cot4yru2s/test_kfd2wYLxkz.txt")],
    expectedEvents: DOWNLOADED,
  },
  {
    name: "protected: superuser with an expired file token",
    method: "GET",
    url: `${PROTECTED}?token=${FILE_TOKEN.superuserExpired}`,
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "protected: superuser with a valid file token",
    method: "GET",
    url: `${PROTECTED}?token=${FILE_TOKEN.superuser}`,
    expectedStatus: 200,
    expectedContent: ["PNG"],
    expectedEvents: DOWNLOADED,
  },
  {
    name: "protected: guest without view access",
    method: "GET",
    url: PROTECTED,
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "protected: guest with view access",
    method: "GET",
    url: PROTECTED,
    before: demo1ViewRule(""),
    expectedStatus: 200,
    expectedContent: ["PNG"],
    expectedEvents: DOWNLOADED,
  },
  {
    name: "protected: auth record the view rule refuses",
    method: "GET",
    url: `${PROTECTED}?token=${FILE_TOKEN.user}`,
    before: demo1ViewRule("@request.auth.verified = true"),
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "protected: auth record the view rule lets through",
    method: "GET",
    url: `${PROTECTED}?token=${FILE_TOKEN.user}`,
    before: demo1ViewRule("@request.auth.verified = false"),
    expectedStatus: 200,
    expectedContent: ["PNG"],
    expectedEvents: DOWNLOADED,
  },
  {
    name: "protected in a view: the view's rule refuses",
    method: "GET",
    url: `/api/files/view1/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png?token=${FILE_TOKEN.user}`,
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "protected in a view: the view's rule lets through",
    method: "GET",
    url: `/api/files/view1/84nmscqy84lsi1t/test_d61b33QdDU.txt?token=${FILE_TOKEN.user}`,
    expectedStatus: 200,
    expectedContent: ["test"],
    expectedEvents: DOWNLOADED,
  },
  {
    name: "rate limit: the collection:file label",
    method: "GET",
    url: `/api/files/${AVATAR}`,
    before: rateLimited([
      { maxRequests: 100, label: "abc" },
      { maxRequests: 100, label: "*:file" },
      { maxRequests: 0, label: "users:file" },
    ]),
    expectedStatus: 429,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "rate limit: the *:file label",
    method: "GET",
    url: `/api/files/${AVATAR}`,
    before: rateLimited([
      { maxRequests: 100, label: "abc" },
      { maxRequests: 0, label: "*:file" },
    ]),
    expectedStatus: 429,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
];

/** Each download scenario again as HEAD: same status and hooks, no body. */
const heads = downloads.map((row): RecordScenario => ({
  ...row,
  name: `(HEAD) ${row.name}`,
  method: "HEAD",
  expectedContent: undefined,
}));

test("file tokens (PocketBase scenarios)", (t) => runTestdataScenarios(t, tokens));
test("file downloads (PocketBase scenarios)", (t) => runTestdataScenarios(t, downloads));
test("file downloads as HEAD (PocketBase scenarios)", (t) => runTestdataScenarios(t, heads));
