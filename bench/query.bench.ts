/**
 * Filter engine micro-benchmark: parse and compile of a typical API rule.
 * Run standalone with `node bench/query.bench.ts`, or call `runQueryBench()` from a bench runner.
 */
import { sqliteDialect as d } from "../src/query/dialect.ts";
import type { FieldResolution, FieldResolver } from "../src/query/field-resolver.ts";
import { FilterCache } from "../src/query/filter-cache.ts";
import { compileFilter } from "../src/query/filter-compiler.ts";
import { parseFilter } from "../src/query/parser.ts";
import type { SqlFragment } from "../src/query/sql.ts";
import { raw, sql } from "../src/query/sql.ts";

/** A realistic 9-term list rule: auth checks, a relation, a JSON path, macros, contains, any-of. */
export const BENCH_RULE =
  "@request.auth.id != '' && (author = @request.auth.id || (status = 'published' && publishAt <= @now)) && " +
  "title !~ 'draft%' && tags:each ?= 'news' && author.verified = true && meta.lang = 'en' && " +
  "views >= 10 && created > @monthStart";

const POSTS = "posts";

/** Enough of a records resolver to compile the rule: columns, a single relation, JSON, :each. */
class BenchResolver implements FieldResolver {
  private readonly joinList = new Map<string, SqlFragment>();

  resolve(identifier: string): FieldResolution | undefined {
    switch (identifier) {
      case "@request.auth.id":
        return { value: "u1" };
      case "author":
      case "status":
      case "publishAt":
      case "title":
      case "views":
      case "created":
        return { sql: d.column(POSTS, identifier).sql };
      case "author.verified":
        this.joinList.set(
          "author",
          raw("LEFT JOIN `users` `__author` ON `__author`.`id` = `posts`.`author`"),
        );
        return { sql: d.column("__author", "verified").sql };
      case "meta.lang": {
        const extract = d.jsonExtract(d.column(POSTS, "meta"), ["lang"]);
        return { sql: extract.sql, params: extract.params, noCoalesce: true };
      }
      case "tags:each": {
        const source = d.jsonEach(d.jsonArray(d.column(POSTS, "tags")));
        this.joinList.set("tags", sql`LEFT JOIN ${source} \`__tags\``);
        return {
          sql: d.jsonEachValue("__tags").sql,
          multiMatch: { value: d.jsonEachValue("__mm"), from: sql`${source} \`__mm\`` },
        };
      }
      default:
        return undefined;
    }
  }

  joins(): readonly SqlFragment[] {
    return [...this.joinList.values()];
  }
}

function measure(name: string, run: () => unknown): { name: string; usPerOp: number } {
  for (let i = 0; i < 2_000; i++) run(); // warm up the JIT
  let iterations = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < 500) {
    for (let i = 0; i < 500; i++) run();
    iterations += 500;
    elapsed = performance.now() - started;
  }
  return { name, usPerOp: (elapsed * 1000) / iterations };
}

/** Times parse, compile, both, and cached-parse + compile of `BENCH_RULE`. */
export async function runQueryBench(): Promise<{ name: string; usPerOp: number }[]> {
  const now = new Date();
  const parsed = parseFilter(BENCH_RULE);
  const cache = new FilterCache();
  return [
    measure("query: parse rule", () => parseFilter(BENCH_RULE)),
    measure("query: compile rule", () => compileFilter(parsed, { resolver: new BenchResolver(), now })),
    measure("query: parse + compile rule", () =>
      compileFilter(parseFilter(BENCH_RULE), { resolver: new BenchResolver(), now }),
    ),
    measure("query: cached parse + compile rule", () =>
      compileFilter(cache.parse(BENCH_RULE), { resolver: new BenchResolver(), now }),
    ),
  ];
}

if (import.meta.main) {
  for (const { name, usPerOp } of await runQueryBench()) {
    console.log(`${name.padEnd(40)} ${usPerOp.toFixed(2).padStart(8)} µs/op`);
  }
}
