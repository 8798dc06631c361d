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
import type { Row, SqlValue } from "../db/database.ts";
import type { ExpandedRow, Record } from "./record.ts";

/** How expand fetches related items: applies the target's viewRule, or refuses (null). */
export type Fetcher<T> = (
  collection: Collection,
  where: string,
  params: SqlValue[],
  limit?: number,
) => Promise<T[] | null>;

/** How expand fetches related records. */
export type VisibleFetcher = Fetcher<Record>;

/**
 * What expand reads from and writes to the items it expands: `Record`s, or table rows wrapped
 * in `ExpandedRow`s (a read whose records nobody but the response sees: no `Record` per row).
 */
interface ExpandAccess<T> {
  /** The item's id. */
  id(item: T): string;
  /** The item's value of a relation field, as its `Record` would hold it. */
  value(item: T, field: RelationField): unknown;
  /** Marks the item expanded, with `related` under `head` when there is any. */
  setExpand(item: T, head: string, related: T | T[] | null): void;
}

/** A row's id as its `Record` would hold it (its `id` field's value), for a non-text column value. */
function castId(collection: Collection, row: Row): string {
  const field = collection.fields.find((f) => f.name === "id");
  const value = field ? getFieldType(field.type).prepareValue(field, row.id) : undefined;
  return typeof value === "string" ? value : "";
}

const RECORD_ACCESS: ExpandAccess<Record> = {
  id: (record) => record.id,
  value: (record, field) => record.get(field.name),
  setExpand(record, head, related) {
    record.hasExpand = true;
    if (related !== null) record.expand[head] = related;
  },
};

const ROW_ACCESS: ExpandAccess<ExpandedRow> = {
  id: ({ collection, row }) => (typeof row.id === "string" ? row.id : castId(collection, row)),
  value: ({ row }, field) => getFieldType("relation").prepareValue(field, row[field.name]),
  setExpand(node, head, related) {
    node.hasExpand = true;
    if (related !== null) (node.expand ??= {})[head] = related;
  },
};

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

function relationValues<T>(access: ExpandAccess<T>, item: T, field: RelationField): string[] {
  const value = access.value(item, field);
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
interface Segment<T> {
  target: Collection;
  /** Related ids per record, in output order. */
  idsOf(record: T): string[];
  /** Fetches the related records (null when the target refuses the requester). */
  fetch(): Promise<T[] | null>;
  /** Whether the expanded value is one record rather than a list. */
  isSingle: boolean;
}

function resolveSegment<T>(
  app: App,
  access: ExpandAccess<T>,
  records: T[],
  collection: Collection,
  head: string,
  fetch: Fetcher<T>,
): Segment<T> | null {
  const field = collection.fields.find((f) => f.name === head);
  if (field?.type === "relation") {
    const rel = field;
    const target = app.findAllCollections().find((c) => c.id === rel.collectionId);
    if (!target) return null;
    const ids = [...new Set(records.flatMap((r) => relationValues(access, r, rel)))];
    return {
      target,
      idsOf: (r) => relationValues(access, r, rel),
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
  const ids = records.map((r) => access.id(r));
  const col = quoteIdent(back.name);
  const isMulti = getFieldType("relation").isMultiple(back);
  const marks = ids.map(() => "?").join(",");
  const where = isMulti
    ? `EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(${col}) THEN ${col} ELSE json_array(${col}) END) WHERE value IN (${marks}))`
    : `${col} IN (${marks})`;
  let fetched: T[] | null = null;
  return {
    target: source,
    idsOf: (r) => {
      const id = access.id(r);
      return (fetched ?? [])
        .filter((x) => relationValues(access, x, back).includes(id))
        .map((x) => access.id(x));
    },
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
async function expandLevel<T>(
  app: App,
  access: ExpandAccess<T>,
  records: T[],
  collection: Collection,
  paths: string[][],
  fetch: Fetcher<T>,
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
    const segment = head ? resolveSegment(app, access, records, collection, head, fetch) : null;
    const fetched = segment ? await segment.fetch() : null;
    if (!segment || fetched === null) {
      for (const tail of tails) failed.add(key(tail));
      continue;
    }
    const nested = tails.filter((t) => t.length > 0);
    if (nested.length > 0 && fetched.length > 0) {
      const nestedFailed = await expandLevel(app, access, fetched, segment.target, nested, fetch);
      for (const tail of nested) if (nestedFailed.has(tail.join("."))) failed.add(key(tail));
    }
    if (tails.every((tail) => failed.has(key(tail)))) continue;
    const byId = new Map(fetched.map((r) => [access.id(r), r]));
    for (const record of records) {
      const ids = segment.idsOf(record);
      // A single relation takes the first id found (no list built for it).
      let related: T | T[] | null = null;
      if (segment.isSingle) {
        for (let i = 0; i < ids.length && related === null; i++) related = byId.get(ids[i]!) ?? null;
      } else {
        const list: T[] = [];
        for (let i = 0; i < ids.length; i++) {
          const found = byId.get(ids[i]!);
          if (found !== undefined) list.push(found);
        }
        if (list.length > 0) related = list;
      }
      access.setExpand(record, head, related);
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
  return expandLevel(app, RECORD_ACCESS, records, first.collection, parseExpand(expand), fetch);
}

/**
 * Expands table rows of `collection` as `expandRecords` expands their records: the same paths,
 * queries and outcomes, each row and related row wrapped in an `ExpandedRow` instead of a
 * `Record`. Returns the wrapped rows, in order.
 */
export async function expandRows(
  app: App,
  collection: Collection,
  rows: Row[],
  expand: string,
  fetch: Fetcher<Row>,
): Promise<ExpandedRow[]> {
  const wrap =
    (c: Collection) =>
    (row: Row): ExpandedRow => ({ collection: c, row, expand: null, hasExpand: false });
  const nodes = rows.map(wrap(collection));
  if (nodes.length === 0 || !expand.trim()) return nodes;
  const fetchNodes: Fetcher<ExpandedRow> = async (target, where, params, limit) => {
    const fetched = await fetch(target, where, params, limit);
    return fetched && fetched.map(wrap(target));
  };
  await expandLevel(app, ROW_ACCESS, nodes, collection, parseExpand(expand), fetchNodes);
  return nodes;
}
