/**
 * Records CRUD (§1.1): list, view, create, update and delete through the collection's API
 * rules, with PocketBase's outcomes (list filters silently, view/update/delete answer 404,
 * create 400, a null rule 403 for everyone but superusers) and the request hooks around each.
 */
import type { Context, Hono } from "hono";
import type { App } from "../core/app.ts";
import type { Collection } from "../core/collections/collection-model.ts";
import { RecordRequestEvent, RecordsListRequestEvent, type RequestInfo } from "../core/hook-events.ts";
import {
  canCreateRecord,
  findRecordByRule,
  isManagerOf,
  listRecords,
  type RuleContext,
} from "../core/records/record-access.ts";
import { applyAuthBody } from "../core/records/record-auth-rules.ts";
import { loadRecordBody } from "../core/records/record-body.ts";
import { RequiredRelationError } from "../core/records/record-cascade.ts";
import { deleteRecord, saveRecord } from "../core/records/record-save.ts";
import { Record } from "../core/records/record.ts";
import { ValidationError, ValidationErrors } from "../tools/validation.ts";
import { ApiError, badRequest, forbidden, notFound } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { isSuperuser } from "./guards.ts";
import { listResult, parsePaging } from "./list-query.ts";
import { enrichRecords, recordsToJson } from "../core/records/record-enrich.ts";
import { realIP } from "./real-ip.ts";
import { readBody } from "./request-body.ts";
import { buildRequestInfo, requestEventArgs } from "./request-event.ts";
import { jsonResponse } from "./response.ts";

const ONLY_SUPERUSERS = "Only superusers can perform this action.";

function findCollection(c: Context<ApiEnv>): Collection {
  const collection = c.var.app.findCollectionByNameOrId(c.req.param("collection") ?? "");
  if (!collection) throw notFound("Missing collection context.");
  return collection;
}

async function ruleContext(c: Context<ApiEnv>): Promise<RuleContext> {
  return { requestInfo: await buildRequestInfo(c), isSuperuser: isSuperuser(c) };
}

/** Runs a hook chain and returns the response it produced (204 when none did). */
async function respond(c: Context<ApiEnv>, run: () => Promise<Response | undefined>): Promise<Response> {
  return (await run()) ?? c.body(null, 204);
}

/** Validation failures of a write become PocketBase's 400 with the field errors. */
function writeError(message: string, err: unknown): never {
  if (err instanceof ValidationErrors) throw badRequest(message, err);
  if (err instanceof RequiredRelationError) throw new ApiError(400, err.message);
  if (err instanceof ValidationError) throw new ApiError(400, message, {}, err);
  throw err;
}

async function respondRecord(c: Context<ApiEnv>, app: App, record: Record, info: RequestInfo): Promise<Response> {
  const ctx = { requestInfo: info, isSuperuser: isSuperuser(c) };
  await enrichRecords(app, [record], c.req.query("expand") ?? "", ctx);
  const [json] = await recordsToJson(app, [record], ctx);
  return jsonResponse(c, 200, json);
}

/** Registers the records routes. */
export function bindRecordCrudApi(router: Hono<ApiEnv>): void {
  router.get("/api/collections/:collection/records", async (c) => {
    const app = c.var.app;
    const collection = findCollection(c);
    const ctx = await ruleContext(c);
    if (collection.listRule === null && !ctx.isSuperuser) throw forbidden(ONLY_SUPERUSERS);
    const url = new URL(c.req.url);
    const paging = parsePaging(url.searchParams);
    const { records, total } = await listRecords(app, collection, {
      filter: url.searchParams.get("filter") ?? "",
      sort: url.searchParams.get("sort") ?? "",
      ...paging,
    }, ctx);
    const event = new RecordsListRequestEvent(...(await requestEventArgs(c)));
    event.collection = collection;
    event.records = records;
    event.result = listResult(records, paging, total);
    return respond(c, async () => {
      await app.hooks.onRecordsListRequest.trigger(event, async (e) => {
        await enrichRecords(e.app, e.records, c.req.query("expand") ?? "", ctx);
        const items = await recordsToJson(e.app, e.records, ctx);
        e.response = jsonResponse(c, 200, { ...listResult(items, paging, total) });
      });
      return event.response;
    });
  });

  router.get("/api/collections/:collection/records/:id", async (c) => {
    const app = c.var.app;
    const collection = findCollection(c);
    const ctx = await ruleContext(c);
    if (collection.viewRule === null && !ctx.isSuperuser) throw forbidden(ONLY_SUPERUSERS);
    const record = await findRecordByRule(app, collection, c.req.param("id"), collection.viewRule, ctx);
    if (!record) throw notFound();
    const event = new RecordRequestEvent(...(await requestEventArgs(c)));
    event.collection = collection;
    event.record = record;
    return respond(c, async () => {
      await app.hooks.onRecordViewRequest.trigger(event, async (e) => {
        e.response = await respondRecord(c, e.app, e.record, ctx.requestInfo);
      });
      return event.response;
    });
  });

  router.post("/api/collections/:collection/records", async (c) => {
    const app = c.var.app;
    const collection = findCollection(c);
    if (collection.type === "view") throw badRequest("Unsupported collection type.");
    const ctx = await ruleContext(c);
    if (collection.createRule === null && !ctx.isSuperuser) throw forbidden(ONLY_SUPERUSERS);
    const body = await readBody(c);
    const record = new Record(collection);
    const resolved = loadRecordBody(record, body, { isSuperuser: ctx.isSuperuser, skipTypes: ["file"] });
    if (typeof body.id === "string" && body.id !== "") record.set("id", body.id);
    const info: RequestInfo = { ...ctx.requestInfo, body: resolved };
    const event = new RecordRequestEvent(app, c.req.raw, c.var.auth, () => info, realIP(c));
    event.collection = collection;
    event.record = record;
    return respond(c, async () => {
      await app.hooks.onRecordCreateRequest.trigger(event, async (e) => {
        try {
          await e.app.runInTransaction(async (tx) => {
            if (collection.type === "auth") {
              const isManager = ctx.isSuperuser || (await isManagerOf(tx, e.record, { ...ctx, requestInfo: info }));
              await applyAuthBody(e.record, body, { isManager, isSuperuser: ctx.isSuperuser });
            }
            if (!ctx.isSuperuser && !(await canCreateRecord(tx, e.record, collection.createRule, { ...ctx, requestInfo: info }))) {
              throw new ApiError(400, "Failed to create record.");
            }
            await saveRecord(tx, e.record);
          });
        } catch (err) {
          writeError("Failed to create record.", err);
        }
        e.response = await respondRecord(c, e.app, e.record, info);
      });
      return event.response;
    });
  });

  router.patch("/api/collections/:collection/records/:id", async (c) => {
    const app = c.var.app;
    const collection = findCollection(c);
    if (collection.type === "view") throw badRequest("Unsupported collection type.");
    const ctx = await ruleContext(c);
    if (collection.updateRule === null && !ctx.isSuperuser) throw forbidden(ONLY_SUPERUSERS);
    const body = await readBody(c);
    const existing = await findRecordByRule(app, collection, c.req.param("id"), null, { ...ctx, isSuperuser: true });
    if (!existing) throw notFound();
    const record = existing;
    const resolved = loadRecordBody(record, body, { isSuperuser: ctx.isSuperuser, skipTypes: ["file"] });
    const info: RequestInfo = { ...ctx.requestInfo, body: resolved };
    // The rule sees the stored row and the submitted (resolved) body.
    const allowed = await findRecordByRule(app, collection, record.id, collection.updateRule, { ...ctx, requestInfo: info });
    if (!allowed) throw notFound();
    const event = new RecordRequestEvent(app, c.req.raw, c.var.auth, () => info, realIP(c));
    event.collection = collection;
    event.record = record;
    return respond(c, async () => {
      await app.hooks.onRecordUpdateRequest.trigger(event, async (e) => {
        try {
          await e.app.runInTransaction(async (tx) => {
            if (collection.type === "auth") {
              const isManager = ctx.isSuperuser || (await isManagerOf(tx, e.record, { ...ctx, requestInfo: info }));
              await applyAuthBody(e.record, body, { isManager, isSuperuser: ctx.isSuperuser });
            }
            await saveRecord(tx, e.record);
          });
        } catch (err) {
          writeError("Failed to update record.", err);
        }
        e.response = await respondRecord(c, e.app, e.record, info);
      });
      return event.response;
    });
  });

  router.delete("/api/collections/:collection/records/:id", async (c) => {
    const app = c.var.app;
    const collection = findCollection(c);
    if (collection.type === "view") throw badRequest("Unsupported collection type.");
    const ctx = await ruleContext(c);
    if (collection.deleteRule === null && !ctx.isSuperuser) throw forbidden(ONLY_SUPERUSERS);
    const record = await findRecordByRule(app, collection, c.req.param("id"), collection.deleteRule, ctx);
    if (!record) throw notFound();
    const event = new RecordRequestEvent(...(await requestEventArgs(c)));
    event.collection = collection;
    event.record = record;
    return respond(c, async () => {
      await app.hooks.onRecordDeleteRequest.trigger(event, async (e) => {
        try {
          await deleteRecord(e.app, e.record);
        } catch (err) {
          if (err instanceof RequiredRelationError) throw new ApiError(400, err.message);
          writeError("Failed to delete record. Make sure that the record is not part of a required relation reference.", err);
        }
        e.noContent(204);
      });
      return event.response;
    });
  });
}
