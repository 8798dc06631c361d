/**
 * Preparing records for output: expand their relations, run `onRecordEnrich`, and export each
 * as JSON with the requester's visibility (§6.4): hidden fields for superusers only, `email`
 * for superusers, the owner, requesters matching the manageRule, or when `emailVisibility`.
 */
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { Row } from "../db/database.ts";
import { RecordEnrichEvent } from "../hook-events.ts";
import {
  fetchVisibleRecords,
  fetchVisibleRows,
  managedRecordIds,
  type RuleContext,
} from "./record-access.ts";
import { expandRecords, expandRows } from "./record-expand.ts";
import { Record, rowExporter, type ExpandedRow, type ExportOptions } from "./record.ts";

/** The request context of expand's fetches (a rule may test `@request.context = "expand"`). */
function expandContext(ctx: RuleContext): RuleContext {
  return { ...ctx, requestInfo: { ...ctx.requestInfo, context: "expand" } };
}

/** Resolves `?expand=` on a batch of records of one collection. */
export async function enrichRecords(
  app: App,
  records: Record[],
  expand: string,
  ctx: RuleContext,
): Promise<void> {
  if (!expand.trim() || records.length === 0) return;
  const expandCtx = expandContext(ctx);
  await expandRecords(app, records, expand, (collection, where, params, limit) =>
    fetchVisibleRecords(app, collection, where, params, expandCtx, limit),
  );
}

/** The records and their expanded records, each once (a record expanded twice is one object). */
function collectAll(records: Record[], out: Record[] = [], seen = new Set<Record>()): Record[] {
  for (const r of records) {
    if (seen.has(r)) continue;
    seen.add(r);
    out.push(r);
    for (const value of Object.values(r.expand))
      collectAll(Array.isArray(value) ? value : [value], out, seen);
  }
  return out;
}

/** Runs `onRecordEnrich` on each record (expanded ones included). */
async function triggerEnrich(app: App, all: Record[], ctx: RuleContext): Promise<void> {
  if (app.hooks.onRecordEnrich.length === 0) return;
  for (const r of all) await app.hooks.onRecordEnrich.trigger(new RecordEnrichEvent(app, r, ctx.requestInfo));
}

/** What the requester may see of each record: `email` and hidden fields. */
async function visibilityFor(
  app: App,
  all: Record[],
  ctx: RuleContext,
): Promise<(r: Record) => ExportOptions> {
  const auth = ctx.requestInfo.auth;
  // manageRule matches, evaluated once per auth collection for the whole batch.
  const managed = new Set<string>();
  if (!ctx.isSuperuser && auth) {
    const byCollection = new Map<string, Record[]>();
    for (const r of all) {
      if (r.collection.type !== "auth" || !r.collection.auth?.manageRule) continue;
      const list = byCollection.get(r.collection.id) ?? [];
      list.push(r);
      byCollection.set(r.collection.id, list);
    }
    for (const list of byCollection.values()) {
      for (const id of await managedRecordIds(
        app,
        list[0]!.collection,
        list.map((r) => r.id),
        ctx,
      )) {
        managed.add(`${list[0]!.collection.id}/${id}`);
      }
    }
  }
  const optionsFor = (r: Record): ExportOptions => ({
    showHidden: ctx.isSuperuser,
    showEmail:
      ctx.isSuperuser ||
      (auth !== null && auth.collection.id === r.collection.id && auth.id === r.id) ||
      (managed.size > 0 && managed.has(`${r.collection.id}/${r.id}`)),
    forRecord: optionsFor,
  });
  return optionsFor;
}

/** Exports records (and their expands) as API JSON for the requester. */
export async function recordsToJson(
  app: App,
  records: Record[],
  ctx: RuleContext,
): Promise<{ [key: string]: unknown }[]> {
  const all = collectAll(records);
  await triggerEnrich(app, all, ctx);
  const optionsFor = await visibilityFor(app, all, ctx);
  return records.map((r) => r.toPublicJson(optionsFor(r)));
}

/**
 * Enriches records in place for a custom response (`$apis.enrichRecord(s)`): `expand` resolved
 * with the requester's rules, then each record (expanded ones too) takes what the requester may
 * see as its own flags (`email` for itself, its managers and superusers; hidden fields for
 * superusers) and `onRecordEnrich` runs on it, so the record's own JSON is the API's.
 */
export async function enrichRecordsInPlace(
  app: App,
  records: Record[],
  expand: string,
  ctx: RuleContext,
): Promise<void> {
  await enrichRecords(app, records, expand, ctx);
  const all = collectAll(records);
  const optionsFor = await visibilityFor(app, all, ctx);
  for (const r of all) {
    const options = optionsFor(r);
    if (options.showEmail) r.ignoreEmailVisibility(true);
    if (options.showHidden) r.unhide(...r.collection.fields.filter((f) => f.hidden).map((f) => f.name));
  }
  // after the flags, so a handler may still hide or show what it wants
  await triggerEnrich(app, all, ctx);
}

// ---- rows exported without records -----------------------------------------------------------

type Json = { [key: string]: unknown };

/** A read's rows as JSON: at once for a plain read, after the expand's queries otherwise. */
export type RowsExport = (rows: Row[]) => Json[] | Promise<Json[]>;

/**
 * How a read's table rows (of `collection`) become the JSON `enrichRecords` + `recordsToJson`
 * make of their records, without a `Record` per row or related row, when nothing but the
 * response sees them: no `onRecordEnrich` handler (the caller checks its own request hook).
 * The expand runs the same queries (each target's viewRule, `expandRows`), `email` follows the
 * same visibility (superusers, the owner, the manageRule's matches, `emailVisibility`). Null when
 * the collection has no export plan; a related collection without one takes the `Record`s.
 */
export function rowsExport(
  app: App,
  collection: Collection,
  expand: string,
  ctx: RuleContext,
): RowsExport | null {
  if (app.hooks.onRecordEnrich.length > 0) return null;
  if (expand.trim() === "") {
    // The plain read: one exporter for the page, given the manageRule's matches if they count.
    if (!managesAny(ctx, [collection])) {
      const exportRow = exporterFor(collection, ctx, NO_MATCHES, undefined);
      return exportRow && ((rows) => rows.map((row) => exportRow(row)));
    }
    if (!exporterFor(collection, ctx, NO_MATCHES, undefined)) return null;
    return async (rows) => {
      const managed = await managedIdsByCollection(app, [[collection, rows]], ctx);
      const exportRow = exporterFor(collection, ctx, managed, undefined)!;
      return rows.map((row) => exportRow(row));
    };
  }
  if (!exporterFor(collection, ctx, NO_MATCHES, undefined)) return null;
  return async (rows) => {
    const expandCtx = expandContext(ctx);
    const collections = new Set([collection]);
    const nodes = await expandRows(app, collection, rows, expand, (target, where, params, limit) => {
      collections.add(target);
      return fetchVisibleRows(app, target, where, params, expandCtx, limit);
    });
    const managed = managesAny(ctx, collections)
      ? await managedIdsByCollection(app, rowsByCollection(nodes), ctx)
      : new Map();
    const exporters = new Map<Collection, NonNullable<ReturnType<typeof rowExporter>>>();
    const exportNode = (node: ExpandedRow): Json => exporters.get(node.collection)!(node.row, node);
    for (const c of collections) {
      const exporter = exporterFor(c, ctx, managed, exportNode);
      // A related collection without an export plan (a field under a meta name) takes the Records.
      if (!exporter) return recordsToJson(app, toRecords(nodes), ctx);
      exporters.set(c, exporter);
    }
    return nodes.map(exportNode);
  };
}

const NO_MATCHES = new Map<Collection, Set<string>>();

/**
 * Whether a manageRule may show the requester an email among these collections' rows (an
 * authenticated non-superuser, an auth collection with a manageRule): only then are its matches
 * looked up.
 */
function managesAny(ctx: RuleContext, collections: Iterable<Collection>): boolean {
  if (ctx.isSuperuser || ctx.requestInfo.auth === null) return false;
  for (const c of collections) if (c.type === "auth" && c.auth?.manageRule) return true;
  return false;
}

/** The row exporter of a collection for the requester (`visibilityFor`'s options, for rows). */
function exporterFor(
  collection: Collection,
  ctx: RuleContext,
  managed: Map<Collection, Set<string>>,
  exportExpanded: ((node: ExpandedRow) => Json) | undefined,
): ReturnType<typeof rowExporter> {
  const auth = ctx.requestInfo.auth;
  return rowExporter(collection, {
    showHidden: ctx.isSuperuser,
    showEmail: ctx.isSuperuser,
    ownerId: auth && auth.collection.id === collection.id ? auth.id : null,
    managedIds: managed.get(collection),
    exportExpanded,
  });
}

/** The manageRule matches among the rows, per auth collection (one query each, as `visibilityFor`). */
async function managedIdsByCollection(
  app: App,
  rowsByCollection: Iterable<[Collection, Row[]]>,
  ctx: RuleContext,
): Promise<Map<Collection, Set<string>>> {
  const managed = new Map<Collection, Set<string>>();
  if (ctx.isSuperuser || !ctx.requestInfo.auth) return managed;
  for (const [collection, rows] of rowsByCollection) {
    if (collection.type !== "auth" || !collection.auth?.manageRule || rows.length === 0) continue;
    const ids = rows.map((row) => (typeof row.id === "string" ? row.id : ""));
    managed.set(collection, new Set(await managedRecordIds(app, collection, ids, ctx)));
  }
  return managed;
}

/** The rows and their expanded rows, each once (as `collectAll`), by collection. */
function rowsByCollection(nodes: ExpandedRow[]): Map<Collection, Row[]> {
  const out = new Map<Collection, Row[]>();
  const seen = new Set<ExpandedRow>();
  const visit = (list: ExpandedRow[]): void => {
    for (const node of list) {
      if (seen.has(node)) continue;
      seen.add(node);
      const rows = out.get(node.collection);
      if (rows) rows.push(node.row);
      else out.set(node.collection, [node.row]);
      for (const value of Object.values(node.expand ?? {})) visit(Array.isArray(value) ? value : [value]);
    }
  };
  visit(nodes);
  return out;
}

/** The expanded rows as the `Record`s `enrichRecords` would have built (shared ones shared). */
function toRecords(nodes: ExpandedRow[], built = new Map<ExpandedRow, Record>()): Record[] {
  return nodes.map((node) => {
    let record = built.get(node);
    if (record) return record;
    record = Record.fromRow(node.collection, node.row);
    built.set(node, record);
    record.hasExpand = node.hasExpand;
    for (const [key, value] of Object.entries(node.expand ?? {})) {
      record.expand[key] = Array.isArray(value) ? toRecords(value, built) : toRecords([value], built)[0]!;
    }
    return record;
  });
}
