/**
 * `POST /api/batch` (§12.2; pocketbase apis/batch.go): record creates, updates, upserts and
 * deletes run one after the other in ONE transaction — all are committed or none.
 *
 * Each sub-request goes through the records API's own route handlers (`record-crud.ts`, bound
 * once on a small internal router) with the caller's auth, the transaction's app as `c.get("app")`
 * (so hooks see `e.app` = the transaction app), `@request.context = "batch"`, its own headers
 * (but never its own `Authorization`) and its own query (`?expand=`, `?fields=`). The first
 * sub-request answering an error rolls the whole batch back and is named in the 400.
 *
 * Multipart bodies carry the JSON in `@jsonPayload` and files as `requests.N.field` (or
 * `requests[N].field`) parts, modifiers allowed (`requests.0.files+`).
 */
import { rateLimit } from "./middlewares/rate-limit.ts";
import type { Context } from "./http/context.ts";
import { Router } from "./http/router.ts";
import type { App } from "../core/app.ts";
import { BatchRequestEvent, type BatchSubRequest } from "../core/hook-events.ts";
import { findRecordById } from "../core/records/record-query.ts";
import { encodeJsonBody } from "../tools/json.ts";
import type { ValidationError } from "../tools/validation.ts";
import { errors, type ErrorTree } from "../tools/validation.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, badRequest, forbidden, toApiError } from "./errors.ts";
import { bindRecordCrudApi } from "./record-crud.ts";
import { readBody } from "./request-body.ts";
import { requestEventArgs } from "./request-event.ts";
import { jsonResponse } from "./response.ts";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const MAX_URL_LENGTH = 2000;
const DEFAULT_TIMEOUT_SECONDS = 3;

/** The routes a sub-request may take; anything else is "unknown batch request action". */
const ACTIONS: { method: string; path: RegExp }[] = [
  { method: "POST", path: /^\/api\/collections\/[^/]+\/records$/ },
  { method: "PUT", path: /^\/api\/collections\/[^/]+\/records$/ },
  { method: "PATCH", path: /^\/api\/collections\/[^/]+\/records\/[^/]+$/ },
  { method: "DELETE", path: /^\/api\/collections\/[^/]+\/records\/[^/]+$/ },
];

/** A sub-request's outcome. */
interface BatchResult {
  body: unknown;
  status: number;
}

/** Thrown to roll the batch back: sub-request `index` failed with `response`. */
class BatchRequestFailure extends Error {
  readonly index: number;
  readonly response: ApiError;
  constructor(index: number, response: ApiError) {
    super("Batch request failed.");
    this.index = index;
    this.response = response;
  }
}

/**
 * The internal router of one sub-request: the records handlers, with the transaction app, the
 * caller's auth and the sub-request's body in its context. (Bound per sub-request: a handful of
 * routes, cheap next to the writes.)
 */
function subRouter(c: Context<ApiEnv>, txApp: App, body: { [key: string]: unknown }): Router<ApiEnv> {
  const sub = new Router<ApiEnv>();
  sub.use("*", async (sc, next) => {
    sc.set("app", txApp);
    sc.set("auth", c.get("auth"));
    sc.set("body", body);
    sc.set("requestContext", "batch");
    await next();
  });
  // Each sub-request is rate limited like the same request sent on its own.
  sub.use("*", rateLimit());
  bindRecordCrudApi(sub);
  sub.onError((err) => {
    const apiError = toApiError(err);
    return new Response(encodeJsonBody(apiError.toJSON()), {
      status: apiError.status,
      headers: { "content-type": "application/json" },
    });
  });
  return sub;
}

/** Merges `requests.N.field` / `requests[N].field` parts (files) into the sub-requests' bodies. */
function collectRequests(body: { [key: string]: unknown }): unknown {
  const requests = body.requests;
  if (!Array.isArray(requests)) return requests;
  for (const [key, value] of Object.entries(body)) {
    const m = /^requests(?:\.(\d+)|\[(\d+)\])\.(.+)$/.exec(key);
    if (!m) continue;
    const index = Number(m[1] ?? m[2]);
    const field = m[3]!;
    const target = requests[index] as { body?: unknown } | undefined;
    if (!target || typeof target !== "object") continue;
    if (!target.body || typeof target.body !== "object" || Array.isArray(target.body)) target.body = {};
    (target.body as { [key: string]: unknown })[field] = value;
  }
  return requests;
}

/** Checks the form (PocketBase's `requests` rules); returns the sub-requests. */
function validateRequests(raw: unknown, maxRequests: number): BatchSubRequest[] {
  const list = Array.isArray(raw) ? (raw as unknown[]) : [];
  if (list.length === 0) throw badRequest("Invalid batch request data.", { requests: errors.required() });
  if (list.length > maxRequests) {
    throw badRequest("Invalid batch request data.", { requests: errors.lengthTooLong(maxRequests) });
  }
  const problems: ErrorTree = {};
  const out: BatchSubRequest[] = [];
  list.forEach((item, i) => {
    const r = (item && typeof item === "object" ? item : {}) as { [key: string]: unknown };
    const method = typeof r.method === "string" ? r.method : "";
    const url = typeof r.url === "string" ? r.url : "";
    const itemProblems: { [key: string]: ValidationError } = {};
    if (method === "") itemProblems.method = errors.required();
    else if (!METHODS.includes(method)) itemProblems.method = errors.inInvalid();
    if (url === "") itemProblems.url = errors.required();
    else if (url.length > MAX_URL_LENGTH) itemProblems.url = errors.lengthTooLong(MAX_URL_LENGTH);
    if (Object.keys(itemProblems).length > 0) problems[String(i)] = itemProblems;
    const headers: { [name: string]: string } = {};
    if (r.headers && typeof r.headers === "object") {
      for (const [k, v] of Object.entries(r.headers)) if (typeof v === "string") headers[k] = v;
    }
    const body = r.body && typeof r.body === "object" && !Array.isArray(r.body) ? r.body : {};
    out.push({ method, url, headers, body: body as { [key: string]: unknown } });
  });
  if (Object.keys(problems).length > 0)
    throw badRequest("Invalid batch request data.", { requests: problems });
  return out;
}

/**
 * PUT (upsert) becomes PATCH of the record named by `body.id` when it exists, else POST.
 * Returns the method and path to dispatch.
 */
async function resolveAction(
  app: App,
  r: BatchSubRequest,
): Promise<{ method: string; path: string; search: string }> {
  const url = new URL(r.url, "http://batch.internal");
  let path = url.pathname;
  const action = ACTIONS.find((a) => a.method === r.method && a.path.test(path));
  if (!action) throw new Error("unknown batch request action");
  let method = r.method;
  if (method === "PUT") {
    method = "POST";
    const id = r.body.id;
    const collectionKey = decodeURIComponent(path.split("/")[3] ?? "");
    const collection = app.findCollectionByNameOrId(collectionKey);
    if (collection && typeof id === "string" && id !== "" && (await findRecordById(app, collection, id))) {
      method = "PATCH";
      path = `${path}/${encodeURIComponent(id)}`;
    }
  }
  return { method, path, search: url.search };
}

/** Runs one sub-request on the transaction app; throws BatchRequestFailure when it fails. */
async function runSubRequest(
  c: Context<ApiEnv>,
  txApp: App,
  r: BatchSubRequest,
  index: number,
): Promise<BatchResult> {
  let res: Response;
  try {
    const { method, path, search } = await resolveAction(txApp, r);
    const headers = new Headers();
    for (const [k, v] of c.req.raw.headers) {
      if (!["content-type", "content-length", "transfer-encoding"].includes(k)) headers.set(k, v);
    }
    for (const [k, v] of Object.entries(r.headers)) {
      if (k.toLowerCase() !== "authorization") headers.set(k, v);
    }
    const request = new Request(new URL(path + search, c.req.url), { method, headers });
    const sub = subRouter(c, txApp, r.body);
    res = await sub.fetch(request, c.env);
  } catch (err) {
    throw new BatchRequestFailure(index, toApiError(err));
  }
  const text = await res.text();
  let body: unknown = null;
  if (text !== "") {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = text;
    }
  }
  if (res.status >= 400) {
    const data = body as { data?: unknown; message?: string } | null;
    throw new BatchRequestFailure(
      index,
      new ApiError(res.status, data?.message ?? "", (data?.data ?? {}) as { [key: string]: unknown }),
    );
  }
  return { body, status: res.status };
}

/** Registers the batch route. */
export function bindBatchApi(router: Router<ApiEnv>): void {
  router.post("/api/batch", async (c) => {
    const app = c.get("app");
    const config = app.settings().batch;
    if (!config.enabled || config.maxRequests <= 0) throw forbidden("Batch requests are not allowed.");
    let body;
    try {
      body = await readBody(c);
    } catch (err) {
      if (err instanceof ApiError && err.status === 413) throw err;
      throw new ApiError(400, "Failed to read the submitted batch data.", {}, err);
    }
    const requests = validateRequests(collectRequests(body), config.maxRequests);
    const event = new BatchRequestEvent(...(await requestEventArgs(c)));
    event.batch = requests;
    const timeoutMs = (config.timeout > 0 ? config.timeout : DEFAULT_TIMEOUT_SECONDS) * 1000;
    await app.hooks.onBatchRequest.trigger(event, async (e) => {
      let current = 0;
      let timer: NodeJS.Timeout | undefined;
      try {
        const results = await e.app.runInTransaction(async (txApp) => {
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new BatchRequestFailure(current, new ApiError(400, "Batch transaction timeout."))),
              timeoutMs,
            );
          });
          const run = (async () => {
            const out: BatchResult[] = [];
            for (let i = 0; i < e.batch.length; i++) {
              current = i;
              out.push(await runSubRequest(c, txApp, e.batch[i]!, i));
            }
            return out;
          })();
          run.catch(() => undefined); // a timed-out run ends on the closed transaction
          return Promise.race([run, timeout]);
        });
        e.response = jsonResponse(c, 200, results);
      } catch (err) {
        if (!(err instanceof BatchRequestFailure)) throw err;
        throw new ApiError(400, "Batch transaction failed.", {
          requests: {
            [String(err.index)]: {
              code: "batch_request_failed",
              message: "Batch request failed.",
              response: err.response.toJSON(),
            },
          },
        });
      } finally {
        clearTimeout(timer);
      }
    });
    return event.response ?? c.body(null, 200);
  });
}
