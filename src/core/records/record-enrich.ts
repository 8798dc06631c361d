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

/** Exports records (and their expands) as API JSON for the requester. */
export async function recordsToJson(
  app: App,
  records: Record[],
  ctx: RuleContext,
): Promise<{ [key: string]: unknown }[]> {
  const all = collectAll(records);
  if (app.hooks.onRecordEnrich.length > 0) {
    for (const r of all)
      await app.hooks.onRecordEnrich.trigger(new RecordEnrichEvent(app, r, ctx.requestInfo));
  }
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
      managed.has(`${r.collection.id}/${r.id}`),
    forRecord: optionsFor,
  });
  return records.map((r) => r.toPublicJson(optionsFor(r)));
}
