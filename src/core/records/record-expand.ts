/**
 * `?expand=` (§6.2): relation and back-relation paths up to 6 levels, fetched one query per
 * path segment for the whole batch (never one query per record), each related record filtered
 * by its collection's viewRule for the requester. Invalid paths and refused fetches are skipped
 * silently, as PocketBase does.
 */
import { quoteIdent } from "../db/database.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { RelationField } from "../fields/relation.ts";
import { getFieldType } from "../fields/registry.ts";
import type { SqlValue } from "../db/database.ts";
import type { Record } from "./record.ts";

/** How expand fetches related records: applies the target's viewRule, or refuses (null). */
export type VisibleFetcher = (
  collection: Collection,
  where: string,
  params: SqlValue[],
  limit?: number,
) => Promise<Record[] | null>;

/** Maximum depth of one expand path. */
export const MAX_EXPAND_DEPTH = 6;
/** Back-relations fetch at most this many referencing records per level. */
const MAX_BACK_RELATIONS = 1000;

/** Parses `a,b.c, d` into unique paths, dropping paths that are prefixes of others. */
export function parseExpand(expand: string): string[][] {
  const paths = expand
    .replace(/\s+/g, "")
    .split(",")
    .filter(Boolean)
    .map((p) => p.replace(/\((\w+)\)/g, "_via_$1"))
    .map((p) => p.split(".").slice(0, MAX_EXPAND_DEPTH));
  const unique = new Map(paths.map((p) => [p.join("."), p]));
  return [...unique.values()].filter(
    (p) => ![...unique.keys()].some((other) => other !== p.join(".") && other.startsWith(p.join(".") + ".")),
  );
}

function relationValues(record: Record, field: RelationField): string[] {
  const value = record.get(field.name);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string" && v !== "");
  return typeof value === "string" && value !== "" ? [value] : [];
}

function hasUniqueIndex(c: Collection, fieldName: string): boolean {
  return c.indexes.some((sql) => {
    const m = /^\s*create\s+unique\s+index\b[^(]*\(\s*[`"[]?(\w+)[`"\]]?\s*\)\s*(where\b.*)?$/is.exec(sql);
    return m?.[1] === fieldName;
  });
}

/** Expands `paths` on `records` (all of `collection`). */
async function expandLevel(
  app: App,
  records: Record[],
  collection: Collection,
  paths: string[][],
  fetch: VisibleFetcher,
): Promise<void> {
  const byHead = new Map<string, string[][]>();
  for (const [head, ...tail] of paths) {
    if (!head) continue;
    const list = byHead.get(head) ?? [];
    if (tail.length > 0) list.push(tail);
    byHead.set(head, list);
  }
  for (const [head, tails] of byHead) {
    const field = collection.fields.find((f) => f.name === head);
    if (field?.type === "relation") {
      const rel = field as RelationField;
      const target = app.findAllCollections().find((c) => c.id === rel.collectionId);
      if (!target) continue;
      const ids = [...new Set(records.flatMap((r) => relationValues(r, rel)))];
      const fetched = ids.length === 0 ? [] : await fetch(target, `\`id\` IN (${ids.map(() => "?").join(",")})`, ids);
      if (fetched === null) continue;
      const byId = new Map(fetched.map((r) => [r.id, r]));
      const isMulti = getFieldType("relation").isMultiple(rel);
      for (const record of records) {
        record.hasExpand = true;
        const related = relationValues(record, rel)
          .map((id) => byId.get(id))
          .filter((r): r is Record => r !== undefined);
        if (related.length === 0) continue;
        record.expand[head] = isMulti ? related : related[0]!;
      }
      if (tails.length > 0 && fetched.length > 0) await expandLevel(app, fetched, target, tails, fetch);
      continue;
    }
    const via = /^(\w+)_via_(\w+)$/.exec(head);
    if (!via) continue;
    const source = app.findCollectionByNameOrId(via[1]!);
    const backField = source?.fields.find((f) => f.name === via[2]);
    if (!source || backField?.type !== "relation") continue;
    const back = backField as RelationField;
    if (back.collectionId !== collection.id) continue;
    const ids = records.map((r) => r.id);
    if (ids.length === 0) continue;
    const col = quoteIdent(back.name);
    const isMulti = getFieldType("relation").isMultiple(back);
    const marks = ids.map(() => "?").join(",");
    const where = isMulti
      ? `EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(${col}) THEN ${col} ELSE json_array(${col}) END) WHERE value IN (${marks}))`
      : `${col} IN (${marks})`;
    const fetched = await fetch(source, where, ids, MAX_BACK_RELATIONS);
    if (fetched === null) continue;
    const asSingle = !isMulti && hasUniqueIndex(source, back.name);
    for (const record of records) {
      record.hasExpand = true;
      const related = fetched.filter((r) => relationValues(r, back).includes(record.id));
      if (related.length === 0) continue;
      record.expand[head] = asSingle ? related[0]! : related;
    }
    if (tails.length > 0 && fetched.length > 0) await expandLevel(app, fetched, source, tails, fetch);
  }
}

/** Expands records of one collection in place. */
export async function expandRecords(
  app: App,
  records: Record[],
  expand: string,
  fetch: VisibleFetcher,
): Promise<void> {
  const first = records[0];
  if (!first || !expand.trim()) return;
  await expandLevel(app, records, first.collection, parseExpand(expand), fetch);
}
