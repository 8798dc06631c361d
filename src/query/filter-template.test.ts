import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import type { FieldResolution, FieldResolver } from "./field-resolver.ts";
import { compileFilter } from "./filter-compiler.ts";
import { fillTemplate, SlotResolver } from "./filter-template.ts";
import { parseFilter } from "./parser.ts";
import { SimpleFieldResolver } from "./simple-field-resolver.ts";
import { joinSql, type SqlFragment, type SqlValue } from "./sql.ts";

const db = new DatabaseSync(":memory:");
db.exec(`
  CREATE TABLE notes (id TEXT PRIMARY KEY, owner TEXT, title TEXT);
  INSERT INTO notes VALUES ('n1', 'alice', 'a'), ('n2', 'alice', 'b'), ('n3', 'bob', 'a'), ('n4', 'bob', 'c');
`);

/** `@request.*` answered from a plain object, everything else by the table's resolver. */
function requestResolver(values: { [name: string]: string }): FieldResolver {
  const table = new SimpleFieldResolver({ table: "notes", fields: ["id", "owner", "title"] });
  return {
    resolve(identifier: string): FieldResolution | undefined {
      if (identifier.startsWith("@request.")) return { value: values[identifier] ?? "" };
      return table.resolve(identifier);
    },
    joins: () => [],
  };
}

const isRequest = (identifier: string): boolean => identifier.startsWith("@request.");

/**
 * A rule and a filter compiled into one statement, through two slot resolvers that share their
 * numbering, or (`slotted: false`) straight through the request's resolver.
 */
function compileBoth(
  values: { [name: string]: string },
  slotted = true,
): { slots: SlotResolver; statement: SqlFragment } {
  const rule = new SlotResolver(requestResolver(values), isRequest);
  const filter = new SlotResolver(requestResolver(values), isRequest, rule);
  const where = joinSql(
    [
      compileFilter(parseFilter("owner = @request.auth.id"), {
        resolver: slotted ? rule : requestResolver(values),
      }),
      compileFilter(parseFilter("title != @request.query.skip && owner = @request.auth.id"), {
        resolver: slotted ? filter : requestResolver(values),
      }),
    ],
    " AND ",
  );
  return {
    slots: rule,
    statement: { sql: `SELECT id FROM notes WHERE ${where.sql} ORDER BY id`, params: where.params },
  };
}

function run(statement: SqlFragment): string[] {
  return db
    .prepare(statement.sql)
    .all(...(statement.params as SqlValue[]))
    .map((row) => String(row.id));
}

describe("slot resolvers sharing one numbering", () => {
  test("an identifier read by both compiles is one slot, and a statement template re-binds it", () => {
    const { slots, statement } = compileBoth({ "@request.auth.id": "alice", "@request.query.skip": "b" });
    assert.deepEqual(slots.slotIdentifiers, ["@request.auth.id", "@request.query.skip"]);
    const template = slots.statementTemplate(statement);
    assert.ok(template !== null);
    assert.equal(template.slots.length, 3);
    const filled = fillTemplate({ where: template, joins: [] }, ["alice", "b"]).where;
    assert.deepEqual(run(filled), ["n1"]);
    const forBob = fillTemplate({ where: template, joins: [] }, ["bob", "c"]).where;
    assert.equal(forBob.sql, filled.sql);
    assert.deepEqual(run(forBob), ["n3"]);
    const direct = compileBoth({ "@request.auth.id": "bob", "@request.query.skip": "c" }, false);
    assert.deepEqual(direct.statement, forBob);
  });

  test("a value built from a slot (a LIKE pattern) makes the statement not reusable", () => {
    const rule = new SlotResolver(requestResolver({ "@request.query.q": "a" }), isRequest);
    const filter = new SlotResolver(requestResolver({ "@request.query.q": "a" }), isRequest, rule);
    compileFilter(parseFilter("owner = @request.query.q"), { resolver: rule });
    const like = compileFilter(parseFilter("title ~ @request.query.q"), { resolver: filter });
    assert.equal(filter.statementTemplate(like), null);
  });
});
