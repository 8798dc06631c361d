/**
 * A resolver for plain tables with a fixed allow-list of fields, for the filters that are not
 * about records: the collections list (`id, created, updated, name, system, type`) and the logs
 * (which also allow `data.<path>` into their JSON column). No `@` identifiers other than the
 * macros (handled by the compiler), no modifiers, no joins.
 */
import { sqliteDialect } from "./dialect.ts";
import type { SqlDialect } from "./dialect.ts";
import type { FieldResolution, FieldResolver } from "./field-resolver.ts";
import type { SqlFragment } from "./sql.ts";

/** Configuration of a `SimpleFieldResolver`. */
export interface SimpleFieldResolverOptions {
  /** Table (or alias) to qualify columns with; unqualified when omitted. */
  readonly table?: string;
  /** Allowed names, either a list (name = column) or a map from filter name to column. */
  readonly fields: readonly string[] | Readonly<Record<string, string>>;
  /**
   * Fields whose JSON content may be addressed with dotted paths (`data.a.b.0`). The field
   * itself must also be listed in `fields` to be usable without a path.
   */
  readonly jsonFields?: readonly string[];
  readonly dialect?: SqlDialect;
}

// Path segments become part of a JSON path; letters, digits and `_` only keeps them unambiguous.
const PATH_SEGMENT = /^\w+$/;

/** Resolves allow-listed columns (and JSON paths inside allow-listed JSON columns). */
export class SimpleFieldResolver implements FieldResolver {
  private readonly table: string | undefined;
  private readonly columns: ReadonlyMap<string, string>;
  private readonly jsonColumns: ReadonlyMap<string, string>;
  private readonly dialect: SqlDialect;

  constructor(options: SimpleFieldResolverOptions) {
    this.table = options.table;
    this.dialect = options.dialect ?? sqliteDialect;
    // Maps, not objects: a filter naming `constructor` or `__proto__` must find nothing.
    const entries: [string, string][] = Array.isArray(options.fields)
      ? (options.fields as readonly string[]).map((name) => [name, name])
      : Object.entries(options.fields);
    this.columns = new Map(entries);
    this.jsonColumns = new Map(
      (options.jsonFields ?? []).map((name): [string, string] => [name, this.columns.get(name) ?? name]),
    );
  }

  /** Resolves `name` or `jsonField.path…`; `undefined` for anything not allowed. */
  resolve(identifier: string): FieldResolution | undefined {
    const column = this.columns.get(identifier);
    if (column !== undefined) return { sql: this.dialect.column(this.table, column).sql };

    const dot = identifier.indexOf(".");
    if (dot === -1) return undefined;
    const jsonColumn = this.jsonColumns.get(identifier.slice(0, dot));
    if (jsonColumn === undefined) return undefined;
    const segments = identifier.slice(dot + 1).split(".");
    if (!segments.every((segment) => PATH_SEGMENT.test(segment))) return undefined;
    const extract = this.dialect.jsonExtract(this.dialect.column(this.table, jsonColumn), segments);
    return { sql: extract.sql, params: extract.params, noCoalesce: true };
  }

  /** Plain tables need no joins. */
  joins(): readonly SqlFragment[] {
    return [];
  }

  /** The table's `_rowid_`. */
  rowid(): SqlFragment {
    return this.dialect.rowid(this.table);
  }
}
