/**
 * The collections list with PocketBase's `filter`/`sort` over a fixed field allow-list
 * (`id, created, updated, name, system, type`) through the filter engine.
 */
import { buildFilter } from "../../query/filter-compiler.ts";
import { buildSort } from "../../query/sort.ts";
import { SimpleFieldResolver } from "../../query/simple-field-resolver.ts";
import { toStatement, type SqlValue } from "../../query/sql.ts";
import { isFilterError } from "../../query/errors.ts";
import { ValidationError } from "../../tools/validation.ts";
import type { App } from "../app.ts";
import { collectionFromRow } from "./collection-json.ts";
import type { Collection } from "./collection-model.ts";

const FIELDS = ["id", "created", "updated", "name", "system", "type"];

/** A page of the collections list. */
export interface CollectionListQuery {
  filter: string;
  sort: string;
  page: number;
  perPage: number;
  skipTotal: boolean;
}

/** Lists collections; invalid filters or sorts throw a ValidationError (→ 400). */
export async function listCollections(
  app: App,
  q: CollectionListQuery,
): Promise<{ items: Collection[]; total: number }> {
  const resolver = new SimpleFieldResolver({ fields: FIELDS, table: "_collections" });
  let where = "";
  let order = "";
  let filterParams: SqlValue[] = [];
  let sortParams: SqlValue[] = [];
  try {
    if (q.filter.trim()) {
      const stmt = toStatement(buildFilter(q.filter, { resolver }));
      where = ` WHERE ${stmt.sql}`;
      filterParams = stmt.params;
    }
    if (q.sort.trim()) {
      const stmt = toStatement(buildSort(q.sort, { resolver }));
      if (stmt.sql) order = ` ORDER BY ${stmt.sql}`;
      sortParams = stmt.params;
    }
  } catch (err) {
    if (isFilterError(err))
      throw new ValidationError("validation_invalid_filter", `Invalid filter parameters: ${err.message}`);
    throw err;
  }
  const offset = (q.page - 1) * q.perPage;
  const rows = await app.db.all(
    `SELECT \`_collections\`.* FROM \`_collections\`${where}${order} LIMIT ? OFFSET ?`,
    [...filterParams, ...sortParams, q.perPage, offset],
  );
  let total = -1;
  if (!q.skipTotal) {
    const countRow = await app.db.get(`SELECT COUNT(*) AS n FROM \`_collections\`${where}`, filterParams);
    total = Number(countRow?.n ?? 0);
  }
  return { items: rows.map((r) => collectionFromRow(r)), total };
}
