import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ValidationError } from "../../tools/validation.ts";
import { Database } from "../db/database.ts";
import { newFieldId, normalizeField, type Field } from "../fields/registry.ts";
import type { Collection, CollectionType } from "./collection-model.ts";
import {
  dropViewDdl,
  executorViewColumns,
  inferViewFields,
  INVALID_VIEW_QUERY,
  normalizeViewQuery,
  sqliteViewColumns,
  viewDdl,
  wrapIdAsText,
  type ViewQueryDeps,
} from "./collection-view.ts";

const TESTDATA_DB = fileURLToPath(new URL("../../../../shared/pocketbase-testdata/data.db", import.meta.url));

let dir = "";
let dbPath = "";
let db: DatabaseSync;
let collections: Collection[] = [];
let deps: ViewQueryDeps;

function loadCollections(conn: DatabaseSync): Collection[] {
  return conn
    .prepare("SELECT * FROM _collections")
    .all()
    .map((row) => {
      const options = JSON.parse(String(row.options)) as { viewQuery?: string };
      const rawFields = JSON.parse(String(row.fields)) as Record<string, unknown>[];
      const c: Collection = {
        id: String(row.id),
        name: String(row.name),
        type: String(row.type) as CollectionType,
        system: row.system === 1,
        listRule: null,
        viewRule: null,
        createRule: null,
        updateRule: null,
        deleteRule: null,
        fields: rawFields.map((f) => normalizeField(f)),
        indexes: [],
        created: String(row.created),
        updated: String(row.updated),
      };
      if (options.viewQuery !== undefined) c.viewQuery = options.viewQuery;
      return c;
    });
}

function collection(name: string): Collection {
  const c = collections.find((x) => x.name === name);
  assert.ok(c, `collection ${name}`);
  return c;
}

function makeDeps(conn: DatabaseSync): ViewQueryDeps {
  return {
    findCollectionByName: (nameOrId) =>
      collections.find((c) => c.id === nameOrId || c.name.toLowerCase() === nameOrId.toLowerCase()) ?? null,
    viewColumns: sqliteViewColumns(conn),
  };
}

/** Field JSON with random clone ids replaced, for comparisons. */
function comparable(fields: readonly Field[]): unknown {
  return JSON.parse(JSON.stringify(fields).replace(/"_clone_[A-Za-z0-9]{4}"/g, '"_clone_"'));
}

function schemaSnapshot(conn: DatabaseSync): unknown {
  return conn.prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY name").all();
}

async function rejection(query: string): Promise<ValidationError> {
  try {
    await inferViewFields(query, deps);
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(query)} to be rejected`);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "satchel-view-"));
  dbPath = join(dir, "data.db");
  if (existsSync(TESTDATA_DB)) copyFileSync(TESTDATA_DB, dbPath);
  db = new DatabaseSync(dbPath);
  collections = existsSync(TESTDATA_DB) ? loadCollections(db) : [];
  deps = makeDeps(db);
});

after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("PocketBase's test-data views", () => {
  for (const name of ["view1", "view2", "numeric_id_view"]) {
    test(`${name}: inferred fields equal the ones PocketBase stored`, async (t) => {
      if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
      const view = collection(name);
      const fields = await inferViewFields(view.viewQuery ?? "", deps);
      assert.deepEqual(comparable(fields), comparable(view.fields));
      for (const f of fields.filter((x) => x.name !== "id")) assert.match(f.id, /^_clone_[A-Za-z0-9]{4}$/);
    });

    test(`${name}: the view DDL equals PocketBase's sqlite_schema entry`, async (t) => {
      if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
      const view = collection(name);
      const stored = db.prepare("SELECT sql FROM sqlite_schema WHERE name = ?").get(name);
      const query = await normalizeViewQuery(view.viewQuery ?? "", deps);
      assert.equal(viewDdl(name, query), stored?.sql);
    });
  }
});

describe("inferViewFields", () => {
  test("count, total and casts", async (t) => {
    if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
    const fields = await inferViewFields(
      `select
        a.id,
        count(a.id) count,
        COUNT(*) OVER () count2,
        cast(a.id as int) cast_int,
        cast(a.id as integer) cast_integer,
        cast(a.id as real) cast_real,
        cast(a.id as decimal) cast_decimal,
        cast(a.id as numeric) cast_numeric,
        cast(a.id as text) cast_text,
        cast(a.id as bool) cast_bool,
        cast(a.id as boolean) cast_boolean,
        CaSt( a.id  aS iNt ) as cast_spaced,
        cast(
          (case when count(a.id) = 1 then 21 else 0 end) as int
        ) as cast_multiline,
        cast(a.id as varchar(10)) cast_other,
        cast(a.id as int) + 1 cast_plus,
        avg(a.id) avg,
        sum(a.id) sum,
        total(a.id) total,
        min(a.id) min,
        max(a.id) max
      from demo1 a`,
      deps,
    );
    assert.deepEqual(
      fields.map((f) => [f.name, f.type, "onlyInt" in f ? f.onlyInt : undefined]),
      [
        ["id", "text", undefined],
        ["count", "number", true],
        ["count2", "number", true],
        ["cast_int", "number", true],
        ["cast_integer", "number", true],
        ["cast_real", "number", false],
        ["cast_decimal", "number", false],
        ["cast_numeric", "number", false],
        ["cast_text", "text", undefined],
        ["cast_bool", "bool", undefined],
        ["cast_boolean", "bool", undefined],
        ["cast_spaced", "number", true],
        ["cast_multiline", "number", true],
        ["cast_other", "json", undefined],
        ["cast_plus", "json", undefined],
        ["avg", "json", undefined],
        ["sum", "json", undefined],
        ["total", "number", false],
        ["min", "json", undefined],
        ["max", "json", undefined],
      ],
    );
    const json = fields.find((f) => f.name === "avg");
    assert.ok(json && "maxSize" in json && json.maxSize === 1);
    assert.equal(fields.find((f) => f.name === "count")?.id, newFieldId("number", "count"));
  });

  test("the id column becomes the text primary key", async (t) => {
    if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
    const [id] = await inferViewFields("select (ROW_NUMBER() OVER()) as id from demo2", deps);
    assert.ok(id?.type === "text");
    assert.deepEqual(id, normalizeField(collection("view1").fields[0] as unknown as Record<string, unknown>));
    assert.deepEqual(
      [id.id, id.system, id.primaryKey, id.required, id.pattern],
      ["text3208210256", true, true, true, "^[a-z0-9]+$"],
    );
  });

  test("aliases with and without AS, quoted identifiers and literals", async (t) => {
    if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
    const fields = await inferViewFields(
      `select
        "id",
        "created",
        [text],
        \`bool\`,
        "demo1"."file_many",
        \`demo1\`.\`number\` number_alias,
        url as url_alias,
        "demo1".select_one 'select_alias',
        id as id2,
        123 as custom,
        text || 'x' as concat,
        (rel_one) rel,
        'single_quoted_custom_literal' as 'single_quoted_column'
      from demo1`,
      deps,
    );
    assert.deepEqual(
      fields.map((f) => [f.name, f.type]),
      [
        ["id", "text"],
        ["created", "autodate"],
        ["text", "text"],
        ["bool", "bool"],
        ["file_many", "file"],
        ["number_alias", "number"],
        ["url_alias", "url"],
        ["select_alias", "select"],
        ["id2", "relation"],
        ["custom", "json"],
        ["concat", "json"],
        ["rel", "relation"],
        ["single_quoted_column", "json"],
      ],
    );
    const demo1 = collection("demo1");
    const id2 = fields.find((f) => f.name === "id2");
    assert.ok(id2?.type === "relation");
    assert.deepEqual([id2.collectionId, id2.maxSelect, id2.id], [demo1.id, 1, newFieldId("relation", "id2")]);
    const rel = fields.find((f) => f.name === "rel");
    assert.ok(rel?.type === "relation");
    assert.equal(rel.collectionId, demo1.id); // demo1.rel_one is a self-relation (cloned)
    const selectAlias = fields.find((f) => f.name === "select_alias");
    assert.ok(selectAlias?.type === "select");
    assert.deepEqual(selectAlias.values, ["optionA", "optionB", "optionC"]);
  });

  test("joins with aliases resolve to their collections", async (t) => {
    if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
    const fields = await inferViewFields(
      `select
        a.id as id,
        b.id as bid,
        lj.id cid,
        ij.id as did,
        a.bool,
        _superusers.id as eid,
        _superusers.email,
        b.title,
        ij.title as title4,
        files
      from demo1 a, demo2 as b
      left join demo3 lj on lj.id = 123
      inner join demo4 as ij on ij.id = 123
      join _superusers
      where 1=1
      group by a.id
      limit 10`,
      deps,
    );
    const target = (name: string) => {
      const f = fields.find((x) => x.name === name);
      return f?.type === "relation" ? f.collectionId : f?.type;
    };
    assert.equal(target("id"), "text");
    assert.equal(target("bid"), collection("demo2").id);
    assert.equal(target("cid"), collection("demo3").id);
    assert.equal(target("did"), collection("demo4").id);
    assert.equal(target("eid"), collection("_superusers").id);
    assert.equal(target("bool"), "bool");
    assert.equal(target("email"), "email");
    assert.equal(target("title"), "text");
    assert.equal(target("title4"), "text");
    // Unqualified, found only in the joined demo3.
    assert.equal(target("files"), "file");
    const email = fields.find((f) => f.name === "email");
    assert.ok(email?.system, "clones keep the system flag of their source field");
  });

  test("the same field selected twice gets two clone ids", async (t) => {
    if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
    const fields = await inferViewFields(
      "select a.id, a.text as alias1, a.text as alias2, b.text as alias3 from demo1 a left join demo1 as b on 1 = 1",
      deps,
    );
    const ids = fields.slice(1).map((f) => f.id);
    assert.equal(new Set(ids).size, 3);
    assert.deepEqual(
      fields.map((f) => f.type),
      ["text", "text", "text", "text"],
    );
  });

  test("auth collection fields, comments, CTEs and subqueries", async (t) => {
    if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
    const fields = await inferViewFields(
      `
      with demo2 as (select id, 1 as title from demo3)
      select
        -- line comment
        a.id, a.username, a.email, /* block */ a.emailVisibility, a.verified,
        demo1.id relid, d2.title cte_title, s.x sub_x, s.id sub_id
      from users a
      left join demo1 on 1 = 1
      join demo2 d2 on 1 = 1
      join (select id, text x from demo1) s on 1 = 1
      -- trailing comment`,
      deps,
    );
    assert.deepEqual(
      fields.map((f) => [f.name, f.type]),
      [
        ["id", "text"],
        ["username", "text"],
        ["email", "email"],
        ["emailVisibility", "bool"],
        ["verified", "bool"],
        ["relid", "relation"],
        ["cte_title", "json"],
        ["sub_x", "json"],
        ["sub_id", "json"],
      ],
    );
  });

  test("works over a transaction of the project's Database", async (t) => {
    if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
    const database = Database.open(dbPath);
    try {
      const fields = await database.transaction((tx) =>
        inferViewFields("select id, title from demo2", { ...deps, viewColumns: executorViewColumns(tx) }),
      );
      assert.deepEqual(
        fields.map((f) => [f.name, f.type]),
        [
          ["id", "text"],
          ["title", "text"],
        ],
      );
      await assert.rejects(executorViewColumns(database)("select 1 as id"), /needs a transaction/);
    } finally {
      await database.close();
    }
  });

  const rejects: [string, string, RegExp][] = [
    ["wildcard", "select * from demo1", /wildcard columns \(\*\)/],
    ["qualified wildcard", "select a.id, a.* from demo1 a", /wildcard columns \(a\.\*\)/],
    ["missing id", "select text, url from demo1", /missing required id column/],
    ["misnamed id", "select ID from demo1", /missing required id column/],
    ["two statements", "select id from demo1; select id from demo2", /multiple statements are not supported/],
    ["statement after a comment", "select id from demo1; -- x", /multiple statements/],
    ["non-SELECT", "drop table demo1", /only SELECT queries are supported/],
    ["CTE with DELETE", "with x as (select 1) delete from demo1", /only SELECT/],
    ["breaking out of the wrapper", "select id from `demo1`) union select (1", /unbalanced parentheses/],
    ["syntax error", "select id, from demo1", /empty column/],
    ["SQLite syntax error", "select id from demo1 where", /^Invalid query - near "\)": syntax error$/],
    ["misspelled keyword", "select id frm demo1", /^Invalid query - near "demo1": syntax error$/],
    ["unknown table", "select id from missing", /^Invalid query - no such table: missing$/],
    ["unknown column", "select id, nope from demo1", /^Invalid query - no such column: nope$/],
    ["parameters", "select id from demo1 where id = ?", /parameters/],
    ["NUL", "select id from demo1\0; drop table demo1", /NUL/],
    ["invalid query", "test 123456", /only SELECT/],
    ["blank", "  ;  ", /the query is empty/],
  ];
  for (const [name, query, message] of rejects) {
    test(`rejects: ${name}`, async (t) => {
      if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
      const err = await rejection(query);
      assert.equal(err.code, INVALID_VIEW_QUERY);
      assert.match(err.message, /^Invalid query - /);
      assert.match(err.message, message);
    });
  }

  test("an empty query is required", async () => {
    const err = await rejection("");
    assert.equal(err.code, "validation_required");
  });

  test("other errors of the deps are not turned into validation errors", async () => {
    const failing: ViewQueryDeps = {
      findCollectionByName: () => null,
      viewColumns: () => {
        throw new TypeError("bug");
      },
    };
    await assert.rejects(inferViewFields("select 1 as id", failing), TypeError);
  });
});

describe("view DDL", () => {
  test("viewDdl wraps the trimmed query and quotes the name", () => {
    assert.equal(viewDdl("v", "  ;select 1 as id;\n"), "CREATE VIEW `v` AS SELECT * FROM (select 1 as id)");
    assert.equal(viewDdl("a`b", "select 1"), "CREATE VIEW `a``b` AS SELECT * FROM (select 1)");
    assert.equal(viewDdl("v", "select 1 -- note"), "CREATE VIEW `v` AS SELECT * FROM (select 1 -- note\n)");
    assert.equal(dropViewDdl("a`b"), "DROP VIEW IF EXISTS `a``b`");
  });

  test("viewDdl refuses what could escape the wrapper", () => {
    for (const q of ["select 1); drop table x; select (1", "select 1) union select (1", "select 1 /* x"]) {
      assert.throws(() => viewDdl("v", q), ValidationError);
    }
  });

  test("a non-TEXT id column is cast to TEXT", () => {
    assert.equal(
      wrapIdAsText("select 1 as id, 2 as x;", [
        { name: "id", type: "" },
        { name: "x", type: "" },
      ]),
      "SELECT CAST(`id` as TEXT) `id`,`x` FROM (select 1 as id, 2 as x)",
    );
    assert.equal(wrapIdAsText("select id from t", [{ name: "id", type: "TEXT" }]), "select id from t");
  });
});

/** A small deterministic PRNG (mulberry32), so that failures can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

describe("hostile input", () => {
  const seeds = [
    "select id, text from demo1",
    "select a.id, b.id as bid, count(*) c from demo1 a left join demo2 b on a.id = b.id group by a.id",
    "with x as (select id from demo1) select x.id, cast(x.id as int) n from x",
    "select (ROW_NUMBER() OVER()) as id, email from clients where email like '%a%'",
    'select "id", [text], `bool` from demo1 /* c */ -- d',
  ];
  const pieces = [
    "'",
    '"',
    "`",
    "[",
    "]",
    "(",
    ")",
    ";",
    "\0",
    "--",
    "/*",
    "*/",
    "*",
    ",",
    ".",
    "$a(",
    "?",
    ":x",
    " as ",
    " select ",
    " from ",
    " join ",
    " union ",
    " with ",
    " drop table demo1 ",
    " cast(",
    " count(",
    "\n",
    "x'",
    "é",
    "\u2028",
  ];

  test("thousands of mutated queries only ever fail with a ValidationError", async (t) => {
    if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
    const before = schemaSnapshot(db);
    const random = prng(42);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    let accepted = 0;
    for (let n = 0; n < 4000; n++) {
      let q = pick(seeds);
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * (q.length + 1));
        const op = random();
        if (op < 0.5) q = q.slice(0, at) + pick(pieces) + q.slice(at);
        else if (op < 0.8) q = q.slice(0, at) + q.slice(at + 1 + Math.floor(random() * 5));
        else q = q.slice(0, at) + String.fromCharCode(Math.floor(random() * 128)) + q.slice(at);
      }
      try {
        await inferViewFields(q, deps);
        accepted++;
      } catch (err) {
        if (!(err instanceof ValidationError)) assert.fail(`${JSON.stringify(q)} threw ${String(err)}`);
      }
    }
    assert.ok(accepted > 0);
    assert.deepEqual(schemaSnapshot(db), before, "no table or view was created, changed or dropped");
  });

  test("huge and deeply nested input is rejected quickly", async (t) => {
    if (!existsSync(TESTDATA_DB)) return t.skip("shared test data not found");
    const started = Date.now();
    const huge = [
      "(".repeat(200_000),
      "select " + "(".repeat(5000) + "1" + ")".repeat(5000) + " as id",
      "select 1 as id, " + "'x', ".repeat(100_000) + "1",
      "select " + "a".repeat(1_000_000) + " from demo1",
      "select 1 as id from " + "(".repeat(999) + "demo1" + ")".repeat(999),
      "'".repeat(100_001),
      "-".repeat(500_000),
      ";".repeat(200_000) + "x" + ";".repeat(200_000) + " ",
      "select id from demo1 where text = '" + "x".repeat(1_000_000),
    ];
    for (const q of huge) {
      try {
        await inferViewFields(q, deps);
      } catch (err) {
        assert.ok(err instanceof ValidationError, `${q.slice(0, 30)}… threw ${String(err)}`);
        assert.ok(err.message.length <= 520, "messages stay short");
      }
    }
    assert.ok(Date.now() - started < 10_000, "no pathological slowness");
  });
});
