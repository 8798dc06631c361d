/**
 * Records CRUD (§1.1): list, view, create, update and delete through the collection's API
 * rules, with PocketBase's outcomes (list filters silently, view/update/delete answer 404,
 * create 400, a null rule 403 for everyone but superusers) and the request hooks around each.
 */
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import type { App } from "../core/app.ts";
import type { Collection } from "../core/collections/collection-model.ts";
import { RecordRequestEvent, RecordsListRequestEvent, type RequestInfo } from "../core/hook-events.ts";
import {
  canCreateRecord,
  findRecordByRule,
  findRecordRowByRule,
  isManagerOf,
  listRecordRows,
  listRecords,
  type RuleContext,
} from "../core/records/record-access.ts";
import { applyAuthBody } from "../core/records/record-auth-rules.ts";
import { hashPasswordFields, loadRecordBody } from "../core/records/record-body.ts";
import { loadRecordFiles } from "../core/records/record-files.ts";
import { Record } from "../core/records/record.ts";
import { ValidationErrors } from "../tools/validation.ts";
import { ApiError, badRequest, forbidden, notFound } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { isSuperuser } from "./guards.ts";
import { listResult, parsePaging } from "./list-query.ts";
import { enrichRecords, recordsToJson, rowsExport } from "../core/records/record-enrich.ts";
import { realIP } from "./real-ip.ts";
import { readBody } from "./request-body.ts";
import { buildRequestInfo, requestEventArgsWith, withBody } from "./request-event.ts";
import { jsonResponse } from "./response.ts";
import { KeyedMutex } from "../tools/keyed-mutex.ts";
import { allowHit } from "./middlewares/rate-limit.ts";

const ONLY_SUPERUSERS = "Only superusers can perform this action.";

/** One lock per record being updated (collection id + record id). */
const recordLocks = new KeyedMutex();

function findCollection(c: Context<ApiEnv>): Collection {
  const collection = c.get("app").findCollectionByNameOrId(c.req.param("collection") ?? "");
  if (!collection) throw notFound("Missing collection context.");
  return collection;
}

async function ruleContext(c: Context<ApiEnv>): Promise<RuleContext> {
  return { requestInfo: await buildRequestInfo(c), isSuperuser: isSuperuser(c) };
}

/** Runs a hook chain and returns the response it produced (an empty 200 when a hook stopped it, as PocketBase). */
async function respond(c: Context<ApiEnv>, run: () => Promise<Response | undefined>): Promise<Response> {
  return (await run()) ?? c.body(null, 200);
}

/**
 * A failed write becomes PocketBase's 400 with `message`: validation failures carry their
 * field errors, ApiErrors (e.g. thrown by hooks) pass through, anything else has `{}` data.
 */
function writeError(message: string, err: unknown): never {
  if (err instanceof ApiError) throw err;
  if (err instanceof ValidationErrors) throw badRequest(message, err);
  throw new ApiError(400, message, {}, err);
}

async function respondRecord(
  c: Context<ApiEnv>,
  app: App,
  record: Record,
  info: RequestInfo,
): Promise<Response> {
  const ctx = { requestInfo: info, isSuperuser: isSuperuser(c) };
  await enrichRecords(app, [record], c.req.query("expand") ?? "", ctx);
  const [json] = await recordsToJson(app, [record], ctx);
  return jsonResponse(c, 200, json);
}

/**
 * How a read's rows become JSON when nothing but the response will see its records: no handler
 * on the route's request hook (nor on `onRecordEnrich`, record-enrich.ts). Then the rows and
 * their expand are exported straight from the tables (`rowsExport`), without a `Record` per row,
 * a hook event or a chain; null otherwise.
 */
function directExport(
  app: App,
  collection: Collection,
  requestHook: { readonly length: number },
  expand: string,
  ctx: RuleContext,
): ReturnType<typeof rowsExport> {
  if (requestHook.length > 0) return null;
  return rowsExport(app, collection, expand, ctx);
}

/**
 * PocketBase's guard against filter timing attacks: more than 3 empty filtered lists of a
 * rule-protected collection within 3 s from one client answer after a random 0–500 ms delay.
 */
async function throttleEmptySearches(
  c: Context<ApiEnv>,
  collection: Collection,
  filter: string,
  empty: boolean,
): Promise<void> {
  if (isSuperuser(c) || !collection.listRule || filter === "" || !empty) return;
  if (allowHit(c.get("app"), `@pb_list_timing_check_${collection.id}|${realIP(c)}`, 3, 3)) return;
  await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 500)));
}

/**
 * PocketBase's loose pre-check of client filters and sorts: any `@collection.` or `@request.`
 * in the raw `filter`/`sort` text (even inside a string literal) is superusers-only (403).
 */
function checkSuperuserOnlyFields(query: URLSearchParams): void {
  for (const param of ["filter", "sort"]) {
    const value = query.get(param) ?? "";
    for (const field of ["@collection.", "@request."]) {
      if (value.includes(field)) throw forbidden(`Only superusers can filter by ${field}`);
    }
  }
}

/** A would-be record that passed the create checks, and what the create hooks see. */
export interface PreparedCreate {
  record: Record;
  /** The request info with `body` holding the resolved (modifier-applied) values. */
  info: RequestInfo;
  /** Whether the requester manages the record (superuser or manageRule). */
  isManager: boolean;
}

/**
 * The part of a record create before its hooks, shared by `POST /records` and OAuth2 sign-ups:
 * the body (fields, modifiers, uploads) is loaded into a new record, then the createRule (and
 * the manageRule) are checked against the would-be record, as PocketBase does — a refusal is a
 * plain 400 with no hook events. `verified` is forced false for the check so that a rule can't
 * be satisfied by self-verifying.
 */
export async function prepareRecordCreate(
  app: App,
  collection: Collection,
  body: { [key: string]: unknown },
  ctx: RuleContext,
): Promise<PreparedCreate> {
  const record = new Record(collection);
  const resolved = loadRecordBody(record, body, { isSuperuser: ctx.isSuperuser, skipTypes: ["file"] });
  Object.assign(resolved, await loadRecordFiles(record, body, { isSuperuser: ctx.isSuperuser }));
  const info = withBody(ctx.requestInfo, resolved);
  const ruleCtx: RuleContext = { ...ctx, requestInfo: info };
  let isManager = ctx.isSuperuser;
  if (!ctx.isSuperuser) {
    const isAuth = collection.type === "auth";
    const verified = record.get("verified");
    if (isAuth) record.set("verified", false);
    try {
      if (!(await canCreateRecord(app, record, collection.createRule, ruleCtx))) {
        throw new ApiError(400, "Failed to create record.");
      }
      if (isAuth) isManager = await isManagerOf(app, record, ruleCtx);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(400, "Failed to create record.", {}, err);
    } finally {
      if (isAuth) record.set("verified", verified);
    }
  }
  return { record, info, isManager };
}

/** Registers the records routes. */
export function bindRecordCrudApi(router: Router<ApiEnv>): void {
  router.get("/api/collections/:collection/records", async (c) => {
    const app = c.get("app");
    const collection = findCollection(c);
    const ctx = await ruleContext(c);
    if (collection.listRule === null && !ctx.isSuperuser) throw forbidden(ONLY_SUPERUSERS);
    const url = new URL(c.req.url);
    if (!ctx.isSuperuser) checkSuperuserOnlyFields(url.searchParams);
    const paging = parsePaging(url.searchParams);
    const filter = url.searchParams.get("filter") ?? "";
    const query = { filter, sort: url.searchParams.get("sort") ?? "", ...paging };
    const expand = c.req.query("expand") ?? "";
    const exportRows = directExport(app, collection, app.hooks.onRecordsListRequest, expand, ctx);
    if (exportRows) {
      const { rows, total } = await listRecordRows(app, collection, query, ctx);
      const exported = exportRows(rows);
      const items = Array.isArray(exported) ? exported : await exported;
      await throttleEmptySearches(c, collection, filter, items.length === 0);
      return jsonResponse(c, 200, listResult(items, paging, total));
    }
    const { records, total } = await listRecords(app, collection, query, ctx);
    const event = new RecordsListRequestEvent(requestEventArgsWith(c, ctx.requestInfo), {
      collection,
      records,
      result: listResult(records, paging, total),
    });
    return respond(c, async () => {
      await app.hooks.onRecordsListRequest.trigger(event, async (e) => {
        await enrichRecords(e.app, e.records, expand, ctx);
        const items = await recordsToJson(e.app, e.records, ctx);
        await throttleEmptySearches(c, collection, filter, e.records.length === 0);
        e.response = jsonResponse(c, 200, { ...listResult(items, paging, total) });
      });
      return event.response;
    });
  });

  router.get("/api/collections/:collection/records/:id", async (c) => {
    const app = c.get("app");
    const collection = findCollection(c);
    const ctx = await ruleContext(c);
    if (collection.viewRule === null && !ctx.isSuperuser) throw forbidden(ONLY_SUPERUSERS);
    const id = c.req.param("id");
    const exportRows = directExport(
      app,
      collection,
      app.hooks.onRecordViewRequest,
      c.req.query("expand") ?? "",
      ctx,
    );
    if (exportRows) {
      // A rule that can't be evaluated hides the record, as a failing one does.
      const row = await findRecordRowByRule(app, collection, id, collection.viewRule, ctx).catch(() => null);
      if (!row) throw notFound();
      const exported = exportRows([row]);
      const [json] = Array.isArray(exported) ? exported : await exported;
      return jsonResponse(c, 200, json);
    }
    const record = await findRecordByRule(app, collection, id, collection.viewRule, ctx).catch(() => null);
    if (!record) throw notFound();
    const event = new RecordRequestEvent(requestEventArgsWith(c, ctx.requestInfo), { collection, record });
    return respond(c, async () => {
      await app.hooks.onRecordViewRequest.trigger(event, async (e) => {
        e.response = await respondRecord(c, e.app, e.record, ctx.requestInfo);
      });
      return event.response;
    });
  });

  router.post("/api/collections/:collection/records", async (c) => {
    const app = c.get("app");
    const collection = findCollection(c);
    if (collection.type === "view") throw badRequest("Unsupported collection type.");
    // The body is read first: a malformed one is a 400 before any access check (PocketBase
    // binds it while building the request info).
    const body = await readBody(c);
    const ctx = await ruleContext(c);
    if (collection.createRule === null && !ctx.isSuperuser) throw forbidden(ONLY_SUPERUSERS);
    const { record, info, isManager } = await prepareRecordCreate(app, collection, body, ctx);
    const event = new RecordRequestEvent([app, c.req.raw, c.get("auth"), () => info, realIP(c)], {
      collection,
      record,
    });
    return respond(c, async () => {
      await app.hooks.onRecordCreateRequest.trigger(event, async (e) => {
        try {
          await applyAuthBody(e.record, body, { isManager, isSuperuser: ctx.isSuperuser });
          await hashPasswordFields(e.record, body, { isSuperuser: ctx.isSuperuser });
          await e.app.save(e.record);
        } catch (err) {
          writeError("Failed to create record.", err);
        }
        e.response = await respondRecord(c, e.app, e.record, info);
      });
      return event.response;
    });
  });

  router.patch("/api/collections/:collection/records/:id", async (c) => {
    const app = c.get("app");
    const collection = findCollection(c);
    if (collection.type === "view") throw badRequest("Unsupported collection type.");
    // The body is read first: a malformed one is a 400 before any access check (PocketBase
    // binds it while building the request info).
    const body = await readBody(c);
    const id = c.req.param("id");
    // Concurrent updates of one record run one after the other: each reads what the previous
    // one saved, so appends (`files+`, `tags+`) and maxSelect checks never lose a write.
    // (A batch already holds the write transaction, which serialises its updates: taking the
    // lock there could deadlock with a request that holds it and waits for the transaction.)
    const serialize = app.isTransactional
      ? <T>(_key: string, fn: () => Promise<T>) => fn()
      : recordLocks.run.bind(recordLocks);
    return serialize(`${collection.id}/${id.toLowerCase()}`, async () => {
      const ctx = await ruleContext(c);
      if (collection.updateRule === null && !ctx.isSuperuser) throw forbidden(ONLY_SUPERUSERS);
      const record = await findRecordByRule(app, collection, id, null, { ...ctx, isSuperuser: true });
      if (!record) throw notFound();
      const resolved = loadRecordBody(record, body, { isSuperuser: ctx.isSuperuser, skipTypes: ["file"] });
      Object.assign(resolved, await loadRecordFiles(record, body, { isSuperuser: ctx.isSuperuser }));
      const info = withBody(ctx.requestInfo, resolved);
      const ruleCtx: RuleContext = { ...ctx, requestInfo: info };
      // The rule sees the stored row (looked up by the id in the URL, even when the body tries
      // to change it) and the submitted, modifier-resolved body.
      const allowed = await findRecordByRule(app, collection, id, collection.updateRule, ruleCtx).catch(
        () => null,
      );
      if (!allowed) throw notFound();
      const manageRule = collection.auth?.manageRule ?? "";
      const isManager =
        ctx.isSuperuser ||
        (collection.type === "auth" &&
          manageRule !== "" &&
          ctx.requestInfo.auth !== null &&
          (await findRecordByRule(app, collection, id, manageRule, ruleCtx).catch(() => null)) !== null);
      const event = new RecordRequestEvent([app, c.req.raw, c.get("auth"), () => info, realIP(c)], {
        collection,
        record,
      });
      return respond(c, async () => {
        await app.hooks.onRecordUpdateRequest.trigger(event, async (e) => {
          try {
            await applyAuthBody(e.record, body, { isManager, isSuperuser: ctx.isSuperuser });
            await hashPasswordFields(e.record, body, { isSuperuser: ctx.isSuperuser });
            await e.app.save(e.record);
          } catch (err) {
            writeError("Failed to update record.", err);
          }
          e.response = await respondRecord(c, e.app, e.record, info);
        });
        return event.response;
      });
    });
  });

  router.delete("/api/collections/:collection/records/:id", async (c) => {
    const app = c.get("app");
    const collection = findCollection(c);
    if (collection.type === "view") throw badRequest("Unsupported collection type.");
    const ctx = await ruleContext(c);
    if (collection.deleteRule === null && !ctx.isSuperuser) throw forbidden(ONLY_SUPERUSERS);
    const record = await findRecordByRule(
      app,
      collection,
      c.req.param("id"),
      collection.deleteRule,
      ctx,
    ).catch(() => null);
    if (!record) throw notFound();
    // The request info the rule saw (PocketBase keeps one per request): building it again read
    // the (empty) body and made a second info for every delete.
    const event = new RecordRequestEvent(requestEventArgsWith(c, ctx.requestInfo), { collection, record });
    return respond(c, async () => {
      await app.hooks.onRecordDeleteRequest.trigger(event, async (e) => {
        try {
          await e.app.delete(e.record);
        } catch (err) {
          writeError(
            "Failed to delete record. Make sure that the record is not part of a required relation reference.",
            err,
          );
        }
        // the context's plain response: `e.noContent` builds the platform's Response (undici's
        // object and header list, ~1 % of a delete), to be taken apart again by the adapter
        e.response = c.body(null, 204);
      });
      return event.response;
    });
  });
}
