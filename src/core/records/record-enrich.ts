/**
 * Preparing records for output: expand their relations, run `onRecordEnrich`, and export each
 * as JSON with the requester's visibility (§6.4): hidden fields for superusers only, `email`
 * for superusers, the owner, requesters matching the manageRule, or when `emailVisibility`.
 */
import type { App } from "../app.ts";
import { RecordEnrichEvent } from "../hook-events.ts";
import { fetchVisibleRecords, managedRecordIds, type RuleContext } from "./record-access.ts";
import { expandRecords } from "./record-expand.ts";
import type { ExportOptions, Record } from "./record.ts";

/** Resolves `?expand=` on a batch of records of one collection. */
export async function enrichRecords(
  app: App,
  records: Record[],
  expand: string,
  ctx: RuleContext,
): Promise<void> {
  if (!expand.trim() || records.length === 0) return;
  await expandRecords(app, records, expand, (collection, where, params, limit) =>
    fetchVisibleRecords(
      app,
      collection,
      where,
      params,
      { ...ctx, requestInfo: { ...ctx.requestInfo, context: "expand" } },
      limit,
    ),
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
