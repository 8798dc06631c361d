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

/**
 * Parses `a,b.c, d` into unique paths (spaces removed, stray dots trimmed, legacy
 * `collection(field)` read as `collection_via_field`), dropping paths that are prefixes of
 * others and cutting each at 6 levels (deeper levels are ignored, as PocketBase does).
 */
export function parseExpand(expand: string): string[][] {
  const paths = expand
    .replace(/\s+/g, "")
    .split(",")
    .map((p) => p.replace(/^\.+|\.+$/g, ""))
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

/** What one path segment expands to: the related records of each record, or null when invalid. */
interface Segment {
  target: Collection;
  /** Related ids per record, in output order. */
  idsOf(record: Record): string[];
  /** Fetches the related records (null when the target refuses the requester). */
  fetch(): Promise<Record[] | null>;
  /** Whether the expanded value is one record rather than a list. */
  isSingle: boolean;
}

function resolveSegment(
  app: App,
  records: Record[],
  collection: Collection,
  head: string,
  fetch: VisibleFetcher,
): Segment | null {
  const field = collection.fields.find((f) => f.name === head);
  if (field?.type === "relation") {
    const rel = field;
    const target = app.findAllCollections().find((c) => c.id === rel.collectionId);
    if (!target) return null;
    const ids = [...new Set(records.flatMap((r) => relationValues(r, rel)))];
    return {
      target,
      idsOf: (r) => relationValues(r, rel),
      // Even with no ids, a locked target refuses the expand (asked with an always-false WHERE).
      fetch: () =>
        ids.length === 0
          ? fetch(target, "0", [])
          : fetch(target, `\`id\` IN (${ids.map(() => "?").join(",")})`, ids),
      isSingle: !getFieldType("relation").isMultiple(rel),
    };
  }
  const via = /^(\w+)_via_(\w+)$/.exec(head);
  if (!via) return null;
  const source = app.findCollectionByNameOrId(via[1]!);
  const backField = source?.fields.find((f) => f.name === via[2]);
  if (!source || backField?.type !== "relation") return null;
  const back = backField;
  if (back.collectionId !== collection.id) return null;
  const ids = records.map((r) => r.id);
  const col = quoteIdent(back.name);
  const isMulti = getFieldType("relation").isMultiple(back);
  const marks = ids.map(() => "?").join(",");
  const where = isMulti
    ? `EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(${col}) THEN ${col} ELSE json_array(${col}) END) WHERE value IN (${marks}))`
    : `${col} IN (${marks})`;
  let fetched: Record[] | null = null;
  return {
    target: source,
    idsOf: (r) => (fetched ?? []).filter((x) => relationValues(x, back).includes(r.id)).map((x) => x.id),
    fetch: async () => (fetched = await fetch(source, where, ids, MAX_BACK_RELATIONS)),
    isSingle: !isMulti && hasUniqueIndex(source, back.name),
  };
}

/**
 * Expands `paths` on `records` (all of `collection`), one query per path segment for the
 * whole batch. Returns the paths that failed (an unknown field, or a target refusing the
 * requester, at any level): like PocketBase, a failed path sets nothing, not even its
 * resolved prefix, while the other paths still expand.
 */
async function expandLevel(
  app: App,
  records: Record[],
  collection: Collection,
  paths: string[][],
  fetch: VisibleFetcher,
): Promise<Set<string>> {
  const failed = new Set<string>();
  const byHead = new Map<string, string[][]>();
  for (const [head = "", ...tail] of paths) {
    const list = byHead.get(head) ?? [];
    list.push(tail);
    byHead.set(head, list);
  }
  for (const [head, tails] of byHead) {
    const key = (tail: string[]) => [head, ...tail].join(".");
    const segment = head ? resolveSegment(app, records, collection, head, fetch) : null;
    const fetched = segment ? await segment.fetch() : null;
    if (!segment || fetched === null) {
      for (const tail of tails) failed.add(key(tail));
      continue;
    }
    const nested = tails.filter((t) => t.length > 0);
    if (nested.length > 0 && fetched.length > 0) {
      const nestedFailed = await expandLevel(app, fetched, segment.target, nested, fetch);
      for (const tail of nested) if (nestedFailed.has(tail.join("."))) failed.add(key(tail));
    }
    if (tails.every((tail) => failed.has(key(tail)))) continue;
    const byId = new Map(fetched.map((r) => [r.id, r]));
    for (const record of records) {
      record.hasExpand = true;
      const related = segment
        .idsOf(record)
        .map((id) => byId.get(id))
        .filter((r): r is Record => r !== undefined);
      if (related.length === 0) continue;
      record.expand[head] = segment.isSingle ? related[0]! : related;
    }
  }
  return failed;
}

/** Expands records of one collection in place; returns the paths that failed. */
export async function expandRecords(
  app: App,
  records: Record[],
  expand: string,
  fetch: VisibleFetcher,
): Promise<Set<string>> {
  const first = records[0];
  if (!first || !expand.trim()) return new Set();
  return expandLevel(app, records, first.collection, parseExpand(expand), fetch);
}
