/**
 * Records CRUD on a copy of PocketBase's own test data folder, scenario by scenario: status,
 * body fragments and the hooks fired, for guests, users, other auth collections' records and
 * superusers (the same situations PocketBase's apis/record_crud_test.go covers).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { query } from "./helpers/sqlite.ts";
import {
  NONE,
  deleted,
  failedWrite,
  invalid,
  listed,
  requestOnly,
  saved,
  viewed,
  written,
} from "./helpers/records-events.ts";
import {
  as,
  editCollection,
  runTestdataScenarios,
  textFile,
  type RecordScenario,
} from "./helpers/records-testdata.ts";
import { findRecordById } from "../src/core/records/record-query.ts";
import { badRequest } from "../src/api/errors.ts";
import type { App } from "../src/core/app.ts";

/** Binds a request hook that runs the default action in a transaction, then fails it. */
function failInTransaction(hook: {
  bindFunc(fn: (e: { app: App; next(): Promise<void> }) => Promise<void>): string;
}): void {
  hook.bindFunc(async (e) => {
    const original = e.app;
    await e.app.runInTransaction(async (tx) => {
      e.app = tx;
      try {
        await e.next();
      } finally {
        e.app = original;
      }
      throw badRequest("TX_ERROR");
    });
  });
}

const DATA_EMPTY = [`"data":{}`];
const LIST_PAGE = [`"page":1`, `"perPage":30`];

/** Marks demo3's `title` field hidden (and optionally sets its list rule). */
const hideDemo3Title = (listRule?: string) => (s: { app: Parameters<typeof editCollection>[0] }) =>
  editCollection(s.app, "demo3", (c) => {
    const title = c.fields.find((f) => f.name === "title");
    if (title) title.hidden = true;
    if (listRule !== undefined) c.listRule = listRule;
  });

const list: RecordScenario[] = [
  {
    name: "list: missing collection",
    method: "GET",
    url: "/api/collections/missing/records",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: guest on a null-rule collection",
    method: "GET",
    url: "/api/collections/demo1/records",
    expectedStatus: 403,
    expectedContent: [`"message":"Only superusers can perform this action."`],
    expectedEvents: NONE,
  },
  {
    name: "list: user on a null-rule collection",
    method: "GET",
    url: "/api/collections/demo1/records",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: @collection in a guest filter",
    method: "GET",
    url: "/api/collections/demo2/records?filter=%40collection.demo2.title='test1'",
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: @request in a guest sort",
    method: "GET",
    url: "/api/collections/demo2/records?sort=@request.auth.title",
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: encoded @collection filter",
    method: "GET",
    url: "/api/collections/demo2/records?filter=%40collection.demo2.title%3D%27test1%27",
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: public collection",
    method: "GET",
    url: "/api/collections/demo2/records",
    expectedStatus: 200,
    expectedContent: [
      ...LIST_PAGE,
      `"totalPages":1`,
      `"totalItems":3`,
      `"items":[{`,
      `"id":"0yxhwia2amd8gec"`,
      `"id":"achvryl401bhse3"`,
      `"id":"llvuca81nly1qls"`,
    ],
    expectedEvents: listed(3),
  },
  {
    name: "list: public collection by id",
    method: "GET",
    url: "/api/collections/sz5l5z67tg7gku0/records",
    expectedStatus: 200,
    expectedContent: [`"totalItems":3`, `"id":"0yxhwia2amd8gec"`],
    expectedEvents: listed(3),
  },
  {
    name: "list: superuser on a null-rule collection",
    method: "GET",
    url: "/api/collections/demo1/records",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"totalItems":3`,
      `"id":"al1h9ijdeojtsjy"`,
      `"id":"84nmscqy84lsi1t"`,
      `"id":"imy661ixudk5izi"`,
    ],
    expectedEvents: listed(3),
  },
  {
    name: "list: filter and sort",
    method: "GET",
    url: "/api/collections/demo1/records?filter=text~'test'&sort=-bool",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"totalItems":2`,
      `"items":[{"bool":true`,
      `"id":"al1h9ijdeojtsjy"`,
      `"id":"84nmscqy84lsi1t"`,
    ],
    expectedEvents: listed(2),
  },
  {
    name: "list: ?= on a multiple select matches records holding the value",
    method: "GET",
    url: "/api/collections/demo1/records?filter=" + encodeURIComponent('select_many ?= "optionB"'),
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [`"totalItems":2`, `"id":"al1h9ijdeojtsjy"`, `"id":"84nmscqy84lsi1t"`],
    notExpectedContent: [`"id":"imy661ixudk5izi"`],
    expectedEvents: listed(2),
  },
  {
    name: "list: ?= on a multiple relation matches records holding the id",
    method: "GET",
    url: "/api/collections/demo1/records?filter=" + encodeURIComponent('rel_many ?= "bgs820n361vj1qd"'),
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [`"totalItems":1`, `"id":"al1h9ijdeojtsjy"`],
    expectedEvents: listed(1),
  },
  {
    name: "list: ?!= on a multiple select skips records holding only that value",
    method: "GET",
    url: "/api/collections/demo1/records?filter=" + encodeURIComponent('select_many ?!= "optionB"'),
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [`"totalItems":2`, `"id":"84nmscqy84lsi1t"`, `"id":"imy661ixudk5izi"`],
    notExpectedContent: [`"id":"al1h9ijdeojtsjy"`],
    expectedEvents: listed(2),
  },
  {
    name: "list: invalid filter",
    method: "GET",
    url: "/api/collections/demo1/records?filter=invalid~'test'",
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: expand relations (superuser sees every email)",
    method: "GET",
    url: "/api/collections/demo1/records?expand=rel_one,rel_many.rel,missing&perPage=2&sort=created",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"perPage":2`,
      `"totalPages":2`,
      `"totalItems":3`,
      `"collectionName":"demo1"`,
      `"id":"84nmscqy84lsi1t"`,
      `"id":"al1h9ijdeojtsjy"`,
      `"expand":{`,
      `"rel_one":""`,
      `"rel_one":{"`,
      `"rel_many":[{`,
      `"rel":{`,
      `"rel":""`,
      `"json":[1,2,3]`,
      `"select_many":["optionB","optionC"]`,
      `"select_many":["optionB"]`,
      `"id":"0yxhwia2amd8gec"`,
      `"id":"llvuca81nly1qls"`,
      `"email":"test@example.com"`,
      `"email":"test2@example.com"`,
      `"email":"test3@example.com"`,
    ],
    notExpectedContent: [`"missing"`],
    expectedEvents: listed(8),
  },
  {
    name: "list: user not matching the list rule",
    method: "GET",
    url: "/api/collections/demo3/records",
    auth: as("user"),
    expectedStatus: 200,
    expectedContent: [`"totalItems":0`, `"items":[]`],
    expectedEvents: { "*": 0, onRecordsListRequest: 1 },
  },
  {
    name: "list: client matching the list rule",
    method: "GET",
    url: "/api/collections/demo3/records",
    auth: as("client"),
    expectedStatus: 200,
    expectedContent: [
      `"totalPages":1`,
      `"totalItems":4`,
      `"id":"1tmknxy2868d869"`,
      `"id":"lcl9d87w22ml6jy"`,
      `"id":"7nwo8tuiatetxdm"`,
      `"id":"mk5fmymtx4wsprk"`,
    ],
    expectedEvents: listed(4),
  },
  {
    name: "list: a hidden field in the list rule",
    method: "GET",
    url: "/api/collections/demo3/records",
    auth: as("client"),
    before: hideDemo3Title("title ~ 'test'"),
    expectedStatus: 200,
    expectedContent: [`"totalItems":4`, `"id":"mk5fmymtx4wsprk"`],
    notExpectedContent: [`"title"`],
    expectedEvents: listed(4),
  },
  {
    name: "list: a hidden field in a client filter",
    method: "GET",
    url: "/api/collections/demo3/records?filter=title~'test'",
    auth: as("client"),
    before: hideDemo3Title(),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: a hidden field in a superuser filter",
    method: "GET",
    url: "/api/collections/demo3/records?filter=title~'test'",
    auth: as("superuser"),
    before: hideDemo3Title(),
    expectedStatus: 200,
    expectedContent: [`"totalItems":4`, `"title":"test1"`],
    expectedEvents: listed(4),
  },
  {
    name: "list: :length in the list rule",
    method: "GET",
    url: "/api/collections/demo5/records",
    expectedStatus: 200,
    expectedContent: [`"totalItems":1`, `"id":"qjeql998mtp1azp"`],
    expectedEvents: listed(1),
  },
  {
    name: "list: any-of through a relation a guest may not list",
    method: "GET",
    url:
      "/api/collections/demo4/records?filter=" +
      encodeURIComponent("rel_many_no_cascade_required.files:length?=2"),
    expectedStatus: 200,
    expectedContent: [`"totalPages":0`, `"totalItems":0`, `"items":[]`],
    expectedEvents: { "*": 0, onRecordsListRequest: 1, onRecordEnrich: 0 },
  },
  {
    name: "list: any-of through a relation (client)",
    method: "GET",
    url:
      "/api/collections/demo4/records?filter=" +
      encodeURIComponent("rel_many_no_cascade_required.files:length?=2"),
    auth: as("client"),
    expectedStatus: 200,
    expectedContent: [`"totalItems":1`, `"id":"qzaqccwrmva4o1n"`],
    expectedEvents: listed(1),
  },
  {
    name: "list: all-of through a relation (client)",
    method: "GET",
    url:
      "/api/collections/demo4/records?filter=" +
      encodeURIComponent("rel_many_no_cascade_required.files:length=2"),
    auth: as("client"),
    expectedStatus: 200,
    expectedContent: [`"totalPages":0`, `"totalItems":0`, `"items":[]`],
    expectedEvents: { "*": 0, onRecordsListRequest: 1 },
  },
  {
    name: "list: a request hook may fail after next()",
    method: "GET",
    url: "/api/collections/demo4/records",
    auth: as("superuser"),
    before: (s) => {
      failInTransaction(s.app.hooks.onRecordsListRequest);
    },
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordsListRequest: 1 },
  },
  {
    name: "list: nologin emails as guest",
    method: "GET",
    url: "/api/collections/nologin/records",
    expectedStatus: 200,
    expectedContent: [
      `"totalItems":3`,
      `"id":"phhq3wr65cap535"`,
      `"id":"dc49k6jgejn40h3"`,
      `"id":"oos036e9xvqeexy"`,
      `"email":"test2@example.com"`,
      `"emailVisibility":true`,
      `"emailVisibility":false`,
    ],
    notExpectedContent: [
      `"tokenKey"`,
      `"password"`,
      `"email":"test@example.com"`,
      `"email":"test3@example.com"`,
    ],
    expectedEvents: listed(3),
  },
  {
    name: "list: nologin emails as a client",
    method: "GET",
    url: "/api/collections/nologin/records",
    auth: as("client"),
    expectedStatus: 200,
    expectedContent: [`"totalItems":3`, `"email":"test2@example.com"`],
    notExpectedContent: [
      `"tokenKey"`,
      `"password"`,
      `"email":"test@example.com"`,
      `"email":"test3@example.com"`,
    ],
    expectedEvents: listed(3),
  },
  {
    name: "list: nologin emails as a manager (manageRule)",
    method: "GET",
    url: "/api/collections/nologin/records",
    auth: as("user"),
    expectedStatus: 200,
    expectedContent: [
      `"email":"test@example.com"`,
      `"email":"test2@example.com"`,
      `"email":"test3@example.com"`,
    ],
    notExpectedContent: [`"tokenKey"`, `"password"`],
    expectedEvents: listed(3),
  },
  {
    name: "list: nologin emails as superuser",
    method: "GET",
    url: "/api/collections/nologin/records",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"email":"test@example.com"`,
      `"email":"test2@example.com"`,
      `"email":"test3@example.com"`,
    ],
    notExpectedContent: [`"tokenKey"`, `"password"`],
    expectedEvents: listed(3),
  },
  {
    name: "list: nologin emails as the owner",
    method: "GET",
    url: "/api/collections/nologin/records",
    auth: as("nologin"),
    expectedStatus: 200,
    expectedContent: [`"email":"test2@example.com"`, `"email":"test@example.com"`],
    notExpectedContent: [`"tokenKey"`, `"password"`, `"email":"test3@example.com"`],
    expectedEvents: listed(3),
  },
  {
    name: "list: public view",
    method: "GET",
    url: "/api/collections/view2/records?filter=state=false",
    expectedStatus: 200,
    expectedContent: [`"totalItems":2`, `"id":"al1h9ijdeojtsjy"`, `"id":"imy661ixudk5izi"`],
    notExpectedContent: [`"created"`, `"updated"`],
    expectedEvents: listed(2),
  },
  {
    name: "list: guest not matching a view's list rule",
    method: "GET",
    url: "/api/collections/view1/records",
    expectedStatus: 200,
    expectedContent: [`"totalPages":0`, `"totalItems":0`, `"items":[]`],
    expectedEvents: { "*": 0, onRecordsListRequest: 1 },
  },
  {
    name: "list: user matching a view's list rule",
    method: "GET",
    url: "/api/collections/view1/records",
    auth: as("user"),
    expectedStatus: 200,
    expectedContent: [`"totalItems":1`, `"id":"84nmscqy84lsi1t"`, `"bool":true`],
    expectedEvents: listed(1),
  },
  {
    name: "list: view with numeric ids",
    method: "GET",
    url: "/api/collections/numeric_id_view/records",
    expectedStatus: 200,
    expectedContent: [`"totalItems":2`, `"id":"1"`, `"id":"2"`],
    expectedEvents: listed(2),
  },
];

const view: RecordScenario[] = [
  {
    name: "view: missing collection",
    method: "GET",
    url: "/api/collections/missing/records/0yxhwia2amd8gec",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "view: missing record",
    method: "GET",
    url: "/api/collections/demo2/records/missing",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "view: guest on a null-rule collection",
    method: "GET",
    url: "/api/collections/demo1/records/imy661ixudk5izi",
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "view: user on a null-rule collection",
    method: "GET",
    url: "/api/collections/demo1/records/imy661ixudk5izi",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "view: user not matching the view rule",
    method: "GET",
    url: "/api/collections/users/records/bgs820n361vj1qd",
    auth: as("user"),
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "view: public record",
    method: "GET",
    url: "/api/collections/demo2/records/0yxhwia2amd8gec",
    expectedStatus: 200,
    expectedContent: [`"id":"0yxhwia2amd8gec"`, `"collectionName":"demo2"`],
    expectedEvents: viewed(),
  },
  {
    name: "view: public record by collection id",
    method: "GET",
    url: "/api/collections/sz5l5z67tg7gku0/records/0yxhwia2amd8gec",
    expectedStatus: 200,
    expectedContent: [`"id":"0yxhwia2amd8gec"`],
    expectedEvents: viewed(),
  },
  {
    name: "view: superuser on a null-rule collection",
    method: "GET",
    url: "/api/collections/demo1/records/imy661ixudk5izi",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [`"id":"imy661ixudk5izi"`, `"collectionName":"demo1"`],
    expectedEvents: viewed(),
  },
  {
    name: "view: the owner sees its own email",
    method: "GET",
    url: "/api/collections/users/records/4q1xlclmfloku33",
    auth: as("user"),
    expectedStatus: 200,
    expectedContent: [
      `"id":"4q1xlclmfloku33"`,
      `"collectionName":"users"`,
      `"emailVisibility":false`,
      `"email":"test@example.com"`,
    ],
    notExpectedContent: [`"tokenKey"`, `"password"`],
    expectedEvents: viewed(),
  },
  {
    name: "view: expand relations",
    method: "GET",
    url: "/api/collections/demo1/records/al1h9ijdeojtsjy?expand=rel_one,rel_many.rel,missing&perPage=2&sort=created",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"id":"al1h9ijdeojtsjy"`,
      `"rel_many":[{`,
      `"rel_one":{`,
      `"collectionName":"users"`,
      `"id":"bgs820n361vj1qd"`,
      `"expand":{"rel":{`,
      `"id":"0yxhwia2amd8gec"`,
      `"collectionName":"demo2"`,
    ],
    expectedEvents: viewed(7),
  },
  {
    name: "view: a request hook may fail after next()",
    method: "GET",
    url: "/api/collections/demo1/records/al1h9ijdeojtsjy",
    auth: as("superuser"),
    before: (s) => {
      failInTransaction(s.app.hooks.onRecordViewRequest);
    },
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordViewRequest: 1 },
  },
  {
    name: "view: nologin email hidden from guests",
    method: "GET",
    url: "/api/collections/nologin/records/oos036e9xvqeexy",
    expectedStatus: 200,
    expectedContent: [`"id":"oos036e9xvqeexy"`, `"emailVisibility":false`, `"verified":true`],
    notExpectedContent: [`"tokenKey"`, `"password"`, `"email":"test3@example.com"`],
    expectedEvents: viewed(),
  },
  {
    name: "view: nologin email hidden from a client",
    method: "GET",
    url: "/api/collections/nologin/records/oos036e9xvqeexy",
    auth: as("client"),
    expectedStatus: 200,
    expectedContent: [`"verified":true`],
    notExpectedContent: [`"email":"test3@example.com"`],
    expectedEvents: viewed(),
  },
  {
    name: "view: nologin email shown to a manager",
    method: "GET",
    url: "/api/collections/nologin/records/oos036e9xvqeexy",
    auth: as("user"),
    expectedStatus: 200,
    expectedContent: [`"email":"test3@example.com"`],
    expectedEvents: viewed(),
  },
  {
    name: "view: nologin email shown to superusers",
    method: "GET",
    url: "/api/collections/nologin/records/oos036e9xvqeexy",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [`"email":"test3@example.com"`],
    notExpectedContent: [`"tokenKey"`, `"password"`],
    expectedEvents: viewed(),
  },
  {
    name: "view: nologin email shown to the owner",
    method: "GET",
    url: "/api/collections/nologin/records/dc49k6jgejn40h3",
    auth: as("nologin"),
    expectedStatus: 200,
    expectedContent: [`"email":"test@example.com"`, `"verified":false`],
    notExpectedContent: [`"tokenKey"`, `"password"`],
    expectedEvents: viewed(),
  },
  {
    name: "view: public view record",
    method: "GET",
    url: "/api/collections/view2/records/84nmscqy84lsi1t",
    expectedStatus: 200,
    expectedContent: [`"id":"84nmscqy84lsi1t"`, `"state":true`, `"file_many":["`, `"rel_many":["`],
    notExpectedContent: [`"created"`, `"updated"`],
    expectedEvents: viewed(),
  },
  {
    name: "view: guest not matching a view's view rule",
    method: "GET",
    url: "/api/collections/view1/records/84nmscqy84lsi1t",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "view: user matching a view's view rule",
    method: "GET",
    url: "/api/collections/view1/records/84nmscqy84lsi1t",
    auth: as("user"),
    expectedStatus: 200,
    expectedContent: [`"id":"84nmscqy84lsi1t"`, `"bool":true`, `"text":"`],
    expectedEvents: viewed(),
  },
  {
    name: "view: numeric view id",
    method: "GET",
    url: "/api/collections/numeric_id_view/records/1",
    expectedStatus: 200,
    expectedContent: [`"id":"1"`],
    expectedEvents: viewed(),
  },
];

const del: RecordScenario[] = [
  {
    name: "delete: missing collection",
    method: "DELETE",
    url: "/api/collections/missing/records/0yxhwia2amd8gec",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "delete: missing record",
    method: "DELETE",
    url: "/api/collections/demo2/records/missing",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "delete: guest on a null-rule collection",
    method: "DELETE",
    url: "/api/collections/demo1/records/imy661ixudk5izi",
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "delete: user on a null-rule collection",
    method: "DELETE",
    url: "/api/collections/demo1/records/imy661ixudk5izi",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "delete: user not matching the delete rule",
    method: "DELETE",
    url: "/api/collections/users/records/bgs820n361vj1qd",
    auth: as("user"),
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "delete: a view record",
    method: "DELETE",
    url: "/api/collections/view1/records/imy661ixudk5izi",
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "delete: public auth record",
    method: "DELETE",
    url: "/api/collections/nologin/records/dc49k6jgejn40h3",
    expectedStatus: 204,
    expectedEvents: deleted(),
  },
  {
    name: "delete: public auth record by collection id",
    method: "DELETE",
    url: "/api/collections/kpv709sk2lqbqk8/records/dc49k6jgejn40h3",
    expectedStatus: 204,
    expectedEvents: deleted(),
  },
  {
    name: "delete: superuser on a null-rule collection",
    method: "DELETE",
    url: "/api/collections/clients/records/o1y0dd0spd786md",
    auth: as("superuser"),
    expectedStatus: 204,
    expectedEvents: deleted(),
  },
  {
    name: "delete: a request hook may fail after next()",
    method: "DELETE",
    url: "/api/collections/clients/records/o1y0dd0spd786md",
    auth: as("superuser"),
    before: (s) => {
      failInTransaction(s.app.hooks.onRecordDeleteRequest);
    },
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordDeleteRequest: 1 },
  },
  {
    name: "delete: the owner (its external auths go too, references are detached)",
    method: "DELETE",
    url: "/api/collections/users/records/4q1xlclmfloku33",
    auth: as("user"),
    expectedStatus: 204,
    expectedEvents: deleted(3, 1),
    after: (s) => {
      assert.equal(
        query(s.dir, "SELECT count(*) AS n FROM _externalAuths WHERE recordRef = '4q1xlclmfloku33'")[0]!.n,
        0,
      );
      const rel = query(s.dir, "SELECT rel_many FROM demo1 WHERE id = 'al1h9ijdeojtsjy'")[0]!.rel_many;
      assert.deepEqual(JSON.parse(String(rel)), ["bgs820n361vj1qd", "oap640cot4yru2s"]);
    },
  },
  {
    name: "delete: @request.query :isset rule failing",
    method: "DELETE",
    url: "/api/collections/demo5/records/la4y2w4o98acwuj",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "delete: @request.query :isset rule passing",
    method: "DELETE",
    url: "/api/collections/demo5/records/la4y2w4o98acwuj?test=1",
    expectedStatus: 204,
    expectedEvents: deleted(),
  },
  {
    name: "delete: part of a required non-cascade relation",
    method: "DELETE",
    url: "/api/collections/demo3/records/7nwo8tuiatetxdm",
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: {
      "*": 0,
      onRecordDeleteRequest: 1,
      onModelDelete: 2,
      onModelDeleteExecute: 2,
      onModelAfterDeleteError: 2,
      onRecordDelete: 2,
      onRecordDeleteExecute: 2,
      onRecordAfterDeleteError: 2,
      onModelUpdate: 2,
      onModelUpdateExecute: 2,
      onModelAfterUpdateError: 2,
      onRecordUpdate: 2,
      onRecordUpdateExecute: 2,
      onRecordAfterUpdateError: 2,
    },
    after: (s) => {
      // everything rolled back
      assert.equal(query(s.dir, "SELECT count(*) AS n FROM demo3 WHERE id = '7nwo8tuiatetxdm'")[0]!.n, 1);
      assert.equal(query(s.dir, "SELECT count(*) AS n FROM demo4 WHERE id = 'qzaqccwrmva4o1n'")[0]!.n, 1);
    },
  },
  {
    name: "delete: with non-cascade references",
    method: "DELETE",
    url: "/api/collections/demo3/records/1tmknxy2868d869",
    auth: as("superuser"),
    expectedStatus: 204,
    expectedEvents: deleted(1, 2),
  },
  {
    name: "delete: with cascade references",
    method: "DELETE",
    url: "/api/collections/users/records/oap640cot4yru2s",
    auth: as("superuser"),
    expectedStatus: 204,
    expectedEvents: deleted(2, 2),
    after: (s) => {
      assert.equal(query(s.dir, "SELECT count(*) AS n FROM demo1 WHERE id = '84nmscqy84lsi1t'")[0]!.n, 0);
    },
  },
];

const demo4Rels = {
  title: "test123",
  rel_one_no_cascade: "mk5fmymtx4wsprk",
  rel_one_no_cascade_required: "7nwo8tuiatetxdm",
  rel_one_cascade: "mk5fmymtx4wsprk",
  rel_many_no_cascade: "mk5fmymtx4wsprk",
  rel_many_no_cascade_required: ["7nwo8tuiatetxdm", "lcl9d87w22ml6jy"],
  rel_many_cascade: "lcl9d87w22ml6jy",
};
const demo4RelsOut = [
  `"title":"test123"`,
  `"rel_one_no_cascade":"mk5fmymtx4wsprk"`,
  `"rel_one_no_cascade_required":"7nwo8tuiatetxdm"`,
  `"rel_one_cascade":"mk5fmymtx4wsprk"`,
  `"rel_many_no_cascade":["mk5fmymtx4wsprk"]`,
  `"rel_many_no_cascade_required":["7nwo8tuiatetxdm","lcl9d87w22ml6jy"]`,
  `"rel_many_cascade":["lcl9d87w22ml6jy"]`,
];
const demo4Expand = "?expand=missing,rel_one_no_cascade,rel_many_no_cascade_required";

const setRule =
  (name: string, key: "createRule" | "updateRule", rule: string) =>
  (s: { app: Parameters<typeof editCollection>[0] }) =>
    editCollection(s.app, name, (c) => {
      c[key] = rule;
    });

const payloadForm = (payload: object) => () => {
  const form = new FormData();
  form.set("@jsonPayload", JSON.stringify(payload));
  form.append("files", textFile());
  return form;
};

const create: RecordScenario[] = [
  {
    name: "create: missing collection",
    method: "POST",
    url: "/api/collections/missing/records",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "create: guest on a null-rule collection",
    method: "POST",
    url: "/api/collections/demo1/records",
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "create: user on a null-rule collection",
    method: "POST",
    url: "/api/collections/demo1/records",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "create: in a view",
    method: "POST",
    url: "/api/collections/view1/records",
    body: { text: "new" },
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "create: malformed JSON",
    method: "POST",
    url: "/api/collections/demo2/records",
    body: `{"`,
    headers: { "content-type": "application/json" },
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "create: no body",
    method: "POST",
    url: "/api/collections/demo2/records",
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"title":{"code":"validation_required"`],
    expectedEvents: invalid("Create"),
  },
  {
    name: "create: empty auth body",
    method: "POST",
    url: "/api/collections/nologin/records",
    body: {},
    expectedStatus: 400,
    expectedContent: [
      `"password":{"code":"validation_required"`,
      `"passwordConfirm":{"code":"validation_required"`,
    ],
    expectedEvents: requestOnly("Create"),
  },
  {
    name: "create: guest in a public collection",
    method: "POST",
    url: "/api/collections/demo2/records",
    body: { title: "new" },
    expectedStatus: 200,
    expectedContent: [`"id":`, `"title":"new"`, `"active":false`],
    expectedEvents: written("Create"),
  },
  {
    name: "create: guest failing the create rule",
    method: "POST",
    url: "/api/collections/demo3/records",
    body: { title: "test123" },
    expectedStatus: 400,
    expectedContent: [`"message":"Failed to create record."`, ...DATA_EMPTY],
    expectedEvents: NONE,
  },
  {
    name: "create: user failing the create rule",
    method: "POST",
    url: "/api/collections/demo3/records",
    body: { title: "test123" },
    auth: as("user"),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "create: user passing the create rule, expands it may not view",
    method: "POST",
    url: "/api/collections/demo4/records" + demo4Expand,
    body: demo4Rels,
    auth: as("user"),
    expectedStatus: 200,
    expectedContent: [`"id":`, `"expand":{}`, ...demo4RelsOut],
    notExpectedContent: [
      `"missing"`,
      `"id":"mk5fmymtx4wsprk"`,
      `"id":"7nwo8tuiatetxdm"`,
      `"id":"lcl9d87w22ml6jy"`,
    ],
    expectedEvents: written("Create"),
  },
  {
    name: "create: superuser skipping the rule, with expands",
    method: "POST",
    url: "/api/collections/demo4/records" + demo4Expand,
    body: demo4Rels,
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"expand":{`,
      `"id":"mk5fmymtx4wsprk"`,
      `"id":"7nwo8tuiatetxdm"`,
      `"id":"lcl9d87w22ml6jy"`,
      ...demo4RelsOut,
    ],
    notExpectedContent: [`"missing"`],
    expectedEvents: written("Create", 4),
  },
  {
    name: "create: superuser multipart",
    method: "POST",
    url: "/api/collections/demo3/records",
    auth: as("superuser"),
    form: () => {
      const form = new FormData();
      form.set("title", "title_test");
      return form;
    },
    expectedStatus: 200,
    expectedContent: [`"id":"`, `"title":"title_test"`],
    expectedEvents: written("Create"),
  },
  {
    name: "create: @jsonPayload failing a @request.body rule",
    method: "POST",
    url: "/api/collections/demo3/records",
    before: setRule("demo3", "createRule", "@request.body.testPayload != 123"),
    form: payloadForm({ title: "title_test2", testPayload: 123 }),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "create: @jsonPayload passing a @request.body rule",
    method: "POST",
    url: "/api/collections/demo3/records",
    before: setRule("demo3", "createRule", "@request.body.testPayload = 123"),
    form: payloadForm({ title: "title_test3", testPayload: 123 }),
    expectedStatus: 200,
    expectedContent: [`"id":"`, `"title":"title_test3"`],
    expectedEvents: written("Create"),
  },
  {
    name: "create: unique index violation",
    method: "POST",
    url: "/api/collections/demo2/records",
    body: { title: "test2" },
    expectedStatus: 400,
    expectedContent: [`"title":{`, `"code":"validation_not_unique"`],
    expectedEvents: failedWrite("Create"),
  },
  {
    name: "create: a request hook may fail after next()",
    method: "POST",
    url: "/api/collections/demo2/records",
    body: { title: "new" },
    auth: as("superuser"),
    before: (s) => {
      failInTransaction(s.app.hooks.onRecordCreateRequest);
    },
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordCreateRequest: 1 },
    after: (s) => {
      assert.equal(query(s.dir, "SELECT count(*) AS n FROM demo2 WHERE title = 'new'")[0]!.n, 0);
    },
  },
  {
    name: "create: id shorter than 15",
    method: "POST",
    url: "/api/collections/demo3/records",
    body: { id: "12345678901234", title: "test" },
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: [`"id":{"code":"validation_min_text_constraint"`],
    expectedEvents: invalid("Create"),
  },
  {
    name: "create: id longer than 15",
    method: "POST",
    url: "/api/collections/demo3/records",
    body: { id: "1234567890123456", title: "test" },
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: [`"id":{"code":"validation_max_text_constraint"`],
    expectedEvents: invalid("Create"),
  },
  {
    name: "create: custom id of 15",
    method: "POST",
    url: "/api/collections/demo3/records",
    body: { id: "123456789012345", title: "test" },
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [`"id":"123456789012345"`, `"title":"test"`],
    expectedEvents: written("Create"),
  },
  {
    name: "create: id used in another base collection",
    method: "POST",
    url: "/api/collections/demo3/records",
    body: { id: "0yxhwia2amd8gec", title: "test" },
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [`"id":"0yxhwia2amd8gec"`],
    expectedEvents: written("Create"),
  },
  {
    name: "create: auth id used in another auth collection",
    method: "POST",
    url: "/api/collections/users/records",
    body: { id: "o1y0dd0spd786md", title: "test", password: "1234567890", passwordConfirm: "1234567890" },
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: [`"id":{"code":"validation_invalid_auth_id"`],
    expectedEvents: failedWrite("Create"),
  },
  {
    name: "create: body modifiers failing a @request.body rule",
    method: "POST",
    url: "/api/collections/demo5/records",
    body: { "total+": 4, "total-": 2 },
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "create: body modifiers passing a @request.body rule",
    method: "POST",
    url: "/api/collections/demo5/records",
    body: { "total+": 4, "total-": 1 },
    expectedStatus: 200,
    expectedContent: [`"collectionName":"demo5"`, `"total":3`],
    expectedEvents: written("Create"),
  },
  {
    name: "create: auth form errors first",
    method: "POST",
    url: "/api/collections/users/records",
    body: { password: "1234567", passwordConfirm: "1234560", email: "invalid", username: "Users75657" },
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: [`"passwordConfirm":{"code":"validation_values_mismatch"`],
    notExpectedContent: [`"rel":`, `"email":`],
    expectedEvents: requestOnly("Create"),
  },
  {
    name: "create: auth form fine, record fields invalid",
    method: "POST",
    url: "/api/collections/users/records",
    body: { password: "1234567", passwordConfirm: "1234567", rel: "invalid" },
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: [`"rel":{"code":`, `"password":{"code":`],
    expectedEvents: invalid("Create"),
  },
  {
    name: "create: guest setting verified",
    method: "POST",
    url: "/api/collections/users/records",
    body: { password: "12345678", passwordConfirm: "12345678", verified: true },
    expectedStatus: 400,
    expectedContent: [`"verified":{"code":`],
    expectedEvents: requestOnly("Create"),
  },
  {
    name: "create: user setting verified",
    method: "POST",
    url: "/api/collections/users/records",
    body: { password: "12345678", passwordConfirm: "12345678", emailVisibility: true, verified: true },
    auth: as("user"),
    expectedStatus: 400,
    expectedContent: [`"verified":{"code":`],
    notExpectedContent: [`"emailVisibility":{"code":`],
    expectedEvents: requestOnly("Create"),
  },
  {
    name: "create: auth record by superuser",
    method: "POST",
    url: "/api/collections/users/records",
    body: {
      id: "o1o1y0pd78686mq",
      username: "test.valid",
      email: "new@example.com",
      password: "12345678",
      passwordConfirm: "12345678",
      rel: "achvryl401bhse3",
      emailVisibility: true,
      verified: true,
    },
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"id":"o1o1y0pd78686mq"`,
      `"username":"test.valid"`,
      `"email":"new@example.com"`,
      `"rel":"achvryl401bhse3"`,
      `"emailVisibility":true`,
      `"verified":true`,
    ],
    notExpectedContent: [`"tokenKey"`, `"password"`, `"passwordConfirm"`],
    expectedEvents: written("Create"),
  },
  {
    name: "create: auth record by a manager",
    method: "POST",
    url: "/api/collections/nologin/records",
    body: {
      email: "new@example.com",
      password: "12345678",
      passwordConfirm: "12345678",
      name: "test_name",
      emailVisibility: true,
      verified: true,
    },
    auth: as("user"),
    expectedStatus: 200,
    expectedContent: [
      `"id":"`,
      `"username":"`,
      `"email":"new@example.com"`,
      `"name":"test_name"`,
      `"emailVisibility":true`,
      `"verified":true`,
    ],
    notExpectedContent: [`"tokenKey"`, `"password"`, `"passwordConfirm"`],
    expectedEvents: written("Create"),
  },
  {
    name: "create: hidden field dropped for non-superusers",
    method: "POST",
    url: "/api/collections/demo3/records",
    body: { id: "abcde1234567890", title: "test_create" },
    auth: as("client"),
    before: hideDemo3Title(),
    expectedStatus: 200,
    expectedContent: [`"id":"abcde1234567890"`],
    notExpectedContent: [`"title"`],
    expectedEvents: written("Create"),
    after: (s) => {
      assert.equal(query(s.dir, "SELECT title FROM demo3 WHERE id = 'abcde1234567890'")[0]!.title, "");
    },
  },
  {
    name: "create: hidden field set by a superuser",
    method: "POST",
    url: "/api/collections/demo3/records",
    body: { id: "abcde1234567890", title: "test_create" },
    auth: as("superuser"),
    before: hideDemo3Title(),
    expectedStatus: 200,
    expectedContent: [`"id":"abcde1234567890"`, `"title":"test_create"`],
    expectedEvents: written("Create"),
    after: (s) => {
      assert.equal(
        query(s.dir, "SELECT title FROM demo3 WHERE id = 'abcde1234567890'")[0]!.title,
        "test_create",
      );
    },
  },
];

const update: RecordScenario[] = [
  {
    name: "update: missing collection",
    method: "PATCH",
    url: "/api/collections/missing/records/0yxhwia2amd8gec",
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: guest on a null-rule collection",
    method: "PATCH",
    url: "/api/collections/demo1/records/imy661ixudk5izi",
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: user on a null-rule collection",
    method: "PATCH",
    url: "/api/collections/demo1/records/imy661ixudk5izi",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: a view record",
    method: "PATCH",
    url: "/api/collections/view1/records/imy661ixudk5izi",
    body: { text: "new" },
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: malformed JSON",
    method: "PATCH",
    url: "/api/collections/demo2/records/0yxhwia2amd8gec",
    body: `{"`,
    headers: { "content-type": "application/json" },
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: no body",
    method: "PATCH",
    url: "/api/collections/demo2/records/0yxhwia2amd8gec",
    expectedStatus: 200,
    expectedContent: [`"collectionName":"demo2"`, `"id":"0yxhwia2amd8gec"`],
    expectedEvents: written("Update"),
  },
  {
    name: "update: empty body",
    method: "PATCH",
    url: "/api/collections/demo2/records/0yxhwia2amd8gec",
    body: {},
    expectedStatus: 200,
    expectedContent: [`"id":"0yxhwia2amd8gec"`],
    expectedEvents: written("Update"),
  },
  {
    name: "update: field validation",
    method: "PATCH",
    url: "/api/collections/demo2/records/0yxhwia2amd8gec",
    body: { title: "a" },
    expectedStatus: 400,
    expectedContent: [`"title":{"code":"validation_min_text_constraint"`],
    expectedEvents: invalid("Update"),
  },
  {
    name: "update: guest in a public collection",
    method: "PATCH",
    url: "/api/collections/demo2/records/0yxhwia2amd8gec",
    body: { title: "new" },
    expectedStatus: 200,
    expectedContent: [`"id":"0yxhwia2amd8gec"`, `"title":"new"`, `"active":true`],
    expectedEvents: written("Update"),
  },
  {
    name: "update: guest failing the update rule",
    method: "PATCH",
    url: "/api/collections/demo3/records/mk5fmymtx4wsprk",
    body: { title: "new" },
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: user failing the update rule",
    method: "PATCH",
    url: "/api/collections/demo3/records/mk5fmymtx4wsprk",
    body: { title: "new" },
    auth: as("user"),
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: user passing the rule, expands it may not view",
    method: "PATCH",
    url: "/api/collections/demo4/records/i9naidtvr6qsgb4" + demo4Expand,
    body: demo4Rels,
    auth: as("user"),
    expectedStatus: 200,
    expectedContent: [`"id":"i9naidtvr6qsgb4"`, `"expand":{}`, ...demo4RelsOut],
    notExpectedContent: [
      `"missing"`,
      `"id":"mk5fmymtx4wsprk"`,
      `"id":"7nwo8tuiatetxdm"`,
      `"id":"lcl9d87w22ml6jy"`,
    ],
    expectedEvents: written("Update"),
  },
  {
    name: "update: superuser with expands",
    method: "PATCH",
    url: "/api/collections/demo4/records/i9naidtvr6qsgb4" + demo4Expand,
    body: demo4Rels,
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"id":"i9naidtvr6qsgb4"`,
      `"expand":{`,
      `"id":"mk5fmymtx4wsprk"`,
      `"id":"7nwo8tuiatetxdm"`,
      `"id":"lcl9d87w22ml6jy"`,
      ...demo4RelsOut,
    ],
    notExpectedContent: [`"missing"`],
    expectedEvents: written("Update", 4),
  },
  {
    name: "update: superuser multipart",
    method: "PATCH",
    url: "/api/collections/demo3/records/mk5fmymtx4wsprk",
    auth: as("superuser"),
    form: () => {
      const form = new FormData();
      form.set("title", "title_test");
      return form;
    },
    expectedStatus: 200,
    expectedContent: [`"id":"mk5fmymtx4wsprk"`, `"title":"title_test"`, `"files":["300_JdfBOieXAW.png"]`],
    expectedEvents: written("Update"),
  },
  {
    name: "update: @jsonPayload failing a @request.body rule",
    method: "PATCH",
    url: "/api/collections/demo3/records/mk5fmymtx4wsprk",
    before: setRule("demo3", "updateRule", "@request.body.testPayload != 123"),
    form: payloadForm({ title: "title_test2", testPayload: 123 }),
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: @jsonPayload passing a @request.body rule",
    method: "PATCH",
    url: "/api/collections/demo3/records/mk5fmymtx4wsprk",
    before: setRule("demo3", "updateRule", "@request.body.testPayload = 123"),
    form: payloadForm({ title: "title_test3", testPayload: 123 }),
    expectedStatus: 200,
    expectedContent: [`"id":"mk5fmymtx4wsprk"`, `"title":"title_test3"`],
    expectedEvents: written("Update"),
  },
  {
    name: "update: a request hook may fail after next()",
    method: "PATCH",
    url: "/api/collections/demo2/records/0yxhwia2amd8gec",
    body: { title: "new" },
    auth: as("superuser"),
    before: (s) => {
      failInTransaction(s.app.hooks.onRecordUpdateRequest);
    },
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordUpdateRequest: 1 },
    after: (s) => {
      assert.equal(query(s.dir, "SELECT title FROM demo2 WHERE id = '0yxhwia2amd8gec'")[0]!.title, "test3");
    },
  },
  {
    name: "update: changing the id",
    method: "PATCH",
    url: "/api/collections/demo3/records/mk5fmymtx4wsprk",
    body: { id: "mk5fmymtx4wspra" },
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: [`"id":{"code":"validation_pk_change"`],
    expectedEvents: invalid("Update"),
  },
  {
    name: "update: unique index violation",
    method: "PATCH",
    url: "/api/collections/demo2/records/llvuca81nly1qls",
    body: { title: "test2" },
    expectedStatus: 400,
    expectedContent: [`"title":{`, `"code":"validation_not_unique"`],
    expectedEvents: failedWrite("Update"),
  },
  {
    name: "update: body modifiers failing a @request.body rule",
    method: "PATCH",
    url: "/api/collections/demo5/records/la4y2w4o98acwuj",
    body: { "total+": 3, "total-": 1 },
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: body modifiers passing a @request.body rule",
    method: "PATCH",
    url: "/api/collections/demo5/records/la4y2w4o98acwuj",
    body: { "total+": 2, "total-": 1 },
    expectedStatus: 200,
    expectedContent: [`"id":"la4y2w4o98acwuj"`, `"total":3`],
    expectedEvents: written("Update"),
  },
  {
    name: "update: auth form errors first",
    method: "PATCH",
    url: "/api/collections/users/records/bgs820n361vj1qd",
    body: { password: "", passwordConfirm: "1234560", email: "invalid", verified: false },
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: [`"passwordConfirm":{`, `"password":{`],
    notExpectedContent: [`"email":`, "verified"],
    expectedEvents: requestOnly("Update"),
  },
  {
    name: "update: auth form fine, record fields invalid",
    method: "PATCH",
    url: "/api/collections/users/records/bgs820n361vj1qd",
    body: { password: "1234567", passwordConfirm: "1234567", rel: "invalid" },
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: [`"rel":{"code":`, `"password":{"code":`],
    expectedEvents: invalid("Update"),
  },
  {
    name: "update: guest changing manager-only fields",
    method: "PATCH",
    url: "/api/collections/nologin/records/phhq3wr65cap535",
    body: { password: "12345678", passwordConfirm: "12345678", emailVisibility: true, verified: true },
    expectedStatus: 400,
    expectedContent: [`"verified":{"code":`, `"oldPassword":{"code":`],
    notExpectedContent: [`"emailVisibility":{"code":`],
    expectedEvents: requestOnly("Update"),
  },
  {
    name: "update: owner changing manager-only fields",
    method: "PATCH",
    url: "/api/collections/users/records/4q1xlclmfloku33",
    body: { password: "12345678", passwordConfirm: "12345678", emailVisibility: true, verified: true },
    auth: as("user"),
    expectedStatus: 400,
    expectedContent: [`"verified":{"code":`, `"oldPassword":{"code":`],
    notExpectedContent: [`"emailVisibility":{"code":`],
    expectedEvents: requestOnly("Update"),
  },
  {
    name: "update: owner unsetting email and verified",
    method: "PATCH",
    url: "/api/collections/users/records/oap640cot4yru2s",
    body: { email: "", verified: false },
    auth: as("user2"),
    expectedStatus: 400,
    expectedContent: [`"email":{"code":`, `"verified":{"code":`],
    expectedEvents: requestOnly("Update"),
  },
  {
    name: "update: a manager changing manager-only fields",
    method: "PATCH",
    url: "/api/collections/nologin/records/phhq3wr65cap535",
    body: {
      email: "new@example.com",
      password: "12345678",
      passwordConfirm: "12345678",
      name: "test_name",
      emailVisibility: true,
      verified: true,
    },
    auth: as("user"),
    expectedStatus: 200,
    expectedContent: [
      `"email":"new@example.com"`,
      `"name":"test_name"`,
      `"emailVisibility":true`,
      `"verified":true`,
    ],
    notExpectedContent: [`"tokenKey"`, `"password"`, `"passwordConfirm"`],
    expectedEvents: written("Update"),
    after: async (s) => {
      const record = await findRecordById(
        s.app,
        s.app.findCollectionByNameOrId("nologin")!,
        "phhq3wr65cap535",
      );
      assert.ok(await record!.validatePassword("12345678"));
    },
  },
  {
    name: "update: auth record by superuser",
    method: "PATCH",
    url: "/api/collections/users/records/oap640cot4yru2s",
    body: {
      username: "test.valid",
      email: "new@example.com",
      password: "12345678",
      passwordConfirm: "12345678",
      rel: "achvryl401bhse3",
      emailVisibility: true,
      verified: false,
    },
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"username":"test.valid"`,
      `"email":"new@example.com"`,
      `"rel":"achvryl401bhse3"`,
      `"emailVisibility":true`,
      `"verified":false`,
    ],
    notExpectedContent: [`"tokenKey"`, `"password"`],
    expectedEvents: written("Update"),
  },
  {
    name: "update: guest under an empty rule keeps auth origins without a password change",
    method: "PATCH",
    url: "/api/collections/nologin/records/dc49k6jgejn40h3",
    body: { username: "test_new", emailVisibility: true, name: "test" },
    before: (s) => seedAuthOrigins(s.app, 3),
    expectedStatus: 200,
    expectedContent: [
      `"username":"test_new"`,
      `"email":"test@example.com"`,
      `"emailVisibility":true`,
      `"verified":false`,
      `"name":"test"`,
    ],
    notExpectedContent: [`"tokenKey"`, `"password"`, `"passwordConfirm"`],
    expectedEvents: written("Update"),
    after: (s) => {
      assert.equal(
        query(s.dir, "SELECT count(*) AS n FROM _authOrigins WHERE recordRef = 'dc49k6jgejn40h3'")[0]!.n,
        3,
      );
    },
  },
  {
    name: "update: password change with oldPassword drops auth origins",
    method: "PATCH",
    url: "/api/collections/nologin/records/dc49k6jgejn40h3",
    body: { password: "123456789", passwordConfirm: "123456789", oldPassword: "1234567890" },
    before: (s) => seedAuthOrigins(s.app, 3),
    expectedStatus: 200,
    expectedContent: [`"id":"dc49k6jgejn40h3"`],
    notExpectedContent: [`"tokenKey"`, `"password"`, `"passwordConfirm"`],
    expectedEvents: { ...written("Update"), ...saved("Delete", 3, false) },
    after: async (s) => {
      const record = await findRecordById(
        s.app,
        s.app.findCollectionByNameOrId("nologin")!,
        "dc49k6jgejn40h3",
      );
      assert.ok(await record!.validatePassword("123456789"));
      assert.equal(
        query(s.dir, "SELECT count(*) AS n FROM _authOrigins WHERE recordRef = 'dc49k6jgejn40h3'")[0]!.n,
        0,
      );
    },
  },
  {
    name: "update: hidden field dropped for non-superusers",
    method: "PATCH",
    url: "/api/collections/demo3/records/1tmknxy2868d869",
    body: { title: "test_update" },
    auth: as("client"),
    before: hideDemo3Title(),
    expectedStatus: 200,
    expectedContent: [`"id":"1tmknxy2868d869"`],
    notExpectedContent: [`"title"`],
    expectedEvents: written("Update"),
    after: (s) => {
      assert.equal(query(s.dir, "SELECT title FROM demo3 WHERE id = '1tmknxy2868d869'")[0]!.title, "test1");
    },
  },
  {
    name: "update: hidden field set by a superuser",
    method: "PATCH",
    url: "/api/collections/demo3/records/1tmknxy2868d869",
    body: { title: "test_update" },
    auth: as("superuser"),
    before: hideDemo3Title(),
    expectedStatus: 200,
    expectedContent: [`"id":"1tmknxy2868d869"`, `"title":"test_update"`],
    expectedEvents: written("Update"),
  },
];

/** Adds `n` auth origins for nologin/dc49k6jgejn40h3 straight into the table. */
async function seedAuthOrigins(app: Parameters<typeof editCollection>[0], n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await app.db.run(
      "INSERT INTO _authOrigins (id, collectionRef, recordRef, fingerprint, created, updated) VALUES (?, 'kpv709sk2lqbqk8', 'dc49k6jgejn40h3', ?, '2024-01-01 00:00:00.000Z', '2024-01-01 00:00:00.000Z')",
      [`origin${String(i).padStart(9, "0")}`, `abc_${i}`],
    );
  }
}

/** Rate limit scenarios: a 0-request rule for `<collection>:<action>` (or `*:<action>`) refuses with 429. */
function rateLimited(
  action: string,
  collection: string,
  method: string,
  url: string,
  body?: object,
): RecordScenario[] {
  const setRules =
    (rules: { label: string; maxRequests: number }[]) =>
    (s: { app: Parameters<typeof editCollection>[0] }) => {
      const config = s.app.settings().rateLimits;
      config.enabled = true;
      config.rules = rules.map((r) => ({ ...r, audience: "", duration: 10 }));
    };
  return [
    {
      name: `${action}: rate limit rule ${collection}:${action}`,
      method,
      url,
      body,
      before: setRules([
        { label: "abc", maxRequests: 100 },
        { label: `*:${action}`, maxRequests: 100 },
        { label: `${collection}:${action}`, maxRequests: 0 },
      ]),
      expectedStatus: 429,
      expectedContent: [`"data":{}`, `"message":"Too Many Requests."`],
      expectedEvents: NONE,
    },
    {
      name: `${action}: rate limit rule *:${action}`,
      method,
      url,
      body,
      before: setRules([
        { label: "abc", maxRequests: 100 },
        { label: `*:${action}`, maxRequests: 0 },
      ]),
      expectedStatus: 429,
      expectedContent: [`"data":{}`],
      expectedEvents: NONE,
    },
  ];
}

const rateLimits: RecordScenario[] = [
  ...rateLimited("list", "view2", "GET", "/api/collections/view2/records"),
  ...rateLimited("view", "numeric_id_view", "GET", "/api/collections/numeric_id_view/records/1"),
  ...rateLimited("delete", "demo5", "DELETE", "/api/collections/demo5/records/la4y2w4o98acwuj?test=1"),
  ...rateLimited("create", "demo2", "POST", "/api/collections/demo2/records", { title: "new" }),
  ...rateLimited("update", "demo2", "PATCH", "/api/collections/demo2/records/0yxhwia2amd8gec", {
    title: "new",
  }),
  {
    name: "rate limits: superusers are exempt",
    method: "GET",
    url: "/api/collections/view2/records",
    auth: as("superuser"),
    before: (s) => {
      const config = s.app.settings().rateLimits;
      config.enabled = true;
      config.rules = [{ label: "*:list", maxRequests: 0, audience: "", duration: 10 }];
    },
    expectedStatus: 200,
    expectedEvents: listed(3),
  },
  {
    name: "rate limits: a rule for another audience doesn't apply",
    method: "GET",
    url: "/api/collections/view2/records",
    before: (s) => {
      const config = s.app.settings().rateLimits;
      config.enabled = true;
      config.rules = [{ label: "*:list", maxRequests: 0, audience: "@auth", duration: 10 }];
    },
    expectedStatus: 200,
    expectedEvents: listed(3),
  },
];

describe("records CRUD on PocketBase's test data", { concurrency: 4 }, () => {
  test("list", (t) => runTestdataScenarios(t, list));
  test("view", (t) => runTestdataScenarios(t, view));
  test("delete", (t) => runTestdataScenarios(t, del));
  test("create", (t) => runTestdataScenarios(t, create));
  test("update", (t) => runTestdataScenarios(t, update));
  test("rate limits", (t) => runTestdataScenarios(t, rateLimits));
});
