/**
 * `GET`/`HEAD /api/files/{collection}/{recordId}/{filename}` (§1.8, §12.9; pocketbase
 * apis/file.go): serves a record file from the app's storage, or one of its thumbs.
 *
 * - The file must be in one of the record's file fields; anything else is a 404.
 * - Protected fields need `?token=` (a file token of any auth record) for which the record's
 *   collection `viewRule` passes (`@request.context = "protectedFile"`); failure is a 404.
 * - `?thumb=WxH…` is honoured for `100x100` and the field's `thumbs`, for png/jpeg/gif/webp
 *   originals; the thumb is generated on first request and stored beside the original. Any
 *   other size, type or a failed generation serves the original.
 * - Files of view records are served from the folder of the record the view reads them from.
 * - Range and conditional requests, `download=1`, PocketBase's headers (`http-file.ts`).
 */
import { isSuperuserIPAllowed } from "./middlewares/superuser-ips.ts";
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import { SUPERUSERS } from "../core/collections/collection-model.ts";
import { FileDownloadRequestEvent } from "../core/hook-events.ts";
import { findRecordByRule } from "../core/records/record-access.ts";
import { findFileFieldByFile, findRecordByViewFile } from "../core/records/record-files.ts";
import { findRecordById } from "../core/records/record-query.ts";
import { findAuthRecordByToken } from "../core/records/record-tokens.ts";
import { parseDownloadParam, planFileResponse } from "../files/http-file.ts";
import { recordFileKey, type Storage } from "../files/storage.ts";
import { canThumb, thumbAllowed, thumbServedName, ThumbGenerator } from "../files/thumbs.ts";
import type { ApiEnv } from "./env.ts";
import { notFound } from "./errors.ts";
import { buildRequestInfo, requestEventArgs } from "./request-event.ts";

/** One thumb generator per storage: single flight per thumb and a shared worker limit. */
const generators = new WeakMap<Storage, ThumbGenerator>();

/** The thumb generator of a storage (created on first use). */
export function thumbGenerator(storage: Storage): ThumbGenerator {
  let generator = generators.get(storage);
  if (!generator) {
    generator = new ThumbGenerator(storage);
    generators.set(storage, generator);
  }
  return generator;
}

/** Writes a stored object as the response, following `planFileResponse`. */
async function serveObject(
  c: Context<ApiEnv>,
  storage: Storage,
  key: string,
  name: string,
): Promise<Response> {
  let attrs;
  try {
    attrs = await storage.attributes(key);
  } catch {
    throw notFound();
  }
  const method = c.req.method;
  const plan = planFileResponse(
    { method, headers: c.req.raw.headers, download: parseDownloadParam(c.req.query("download")) },
    { name, contentType: attrs.contentType, modified: attrs.modified, size: attrs.size },
  );
  const headers = new Headers(plan.headers);
  if (method === "HEAD") return new Response(null, { status: plan.status, headers });
  if (plan.text !== undefined) return new Response(plan.text, { status: plan.status, headers });
  if (plan.range === undefined) return new Response(null, { status: plan.status, headers });
  let body: ReadableStream<Uint8Array>;
  try {
    body = (await storage.read(key, plan.range)).body;
  } catch {
    throw notFound();
  }
  return new Response(body, { status: plan.status, headers });
}

/** Registers the file download route. */
export function bindFilesApi(router: Router<ApiEnv>): void {
  // The router answers HEAD with this GET route (and drops the body it is given: none for HEAD).
  router.get("/api/files/:collection/:recordId/:filename", async (c) => {
    const app = c.get("app");
    const collection = app.findCollectionByNameOrId(c.req.param("collection"));
    if (!collection) throw notFound();
    const recordId = c.req.param("recordId");
    const record = recordId ? await findRecordById(app, collection, recordId) : null;
    if (!record) throw notFound();
    const filename = c.req.param("filename");
    const fileField = findFileFieldByFile(record, filename);
    if (!fileField) throw notFound();

    if (fileField.protected) {
      const token = c.req.query("token") ?? "";
      const found = token ? await findAuthRecordByToken(app, token, "file") : null;
      let auth = found?.record ?? null;
      // A superuser's file token from outside `superuserIPs` counts for nothing (PocketBase
      // resets it): the file is then served only if guests may see it.
      if (auth?.collection.name === SUPERUSERS && !isSuperuserIPAllowed(c)) auth = null;
      const requestInfo = { ...(await buildRequestInfo(c, "protectedFile")), auth };
      const ctx = { requestInfo, isSuperuser: auth?.collection.name === SUPERUSERS };
      const allowed = await findRecordByRule(app, collection, record.id, collection.viewRule, ctx).catch(
        () => null,
      );
      if (!allowed) throw notFound();
    }

    // a view's files live in the folder of the record they come from
    let owner = { collectionId: collection.id, recordId: record.id };
    if (collection.type === "view") {
      const source = await findRecordByViewFile(app, collection, fileField.name, filename);
      if (!source) throw notFound();
      owner = { collectionId: source.collection.id, recordId: source.id };
    }

    const storage = app.storage();
    let originalKey: string;
    try {
      originalKey = recordFileKey(owner.collectionId, owner.recordId, filename);
    } catch {
      throw notFound();
    }
    let servedPath = originalKey;
    let servedName = filename;
    let thumbError: unknown = null;
    const thumb = c.req.query("thumb") ?? "";
    if (thumb !== "" && thumbAllowed(thumb, fileField.thumbs ?? [])) {
      let contentType: string;
      try {
        contentType = (await storage.attributes(originalKey)).contentType;
      } catch {
        throw notFound();
      }
      if (canThumb(contentType)) {
        try {
          servedPath = await thumbGenerator(storage).ensure(originalKey, thumb);
          servedName = thumbServedName(filename, thumb);
        } catch (err) {
          // PocketBase falls back to the original
          thumbError = err;
          console.warn(`Fallback to original - failed to create thumb ${thumb}_${filename}:`, err);
        }
      }
    }

    // files may be embedded: PocketBase drops X-Frame-Options here (outside the hook, so hooks
    // may set it again)
    c.set("allowFraming", true);

    const event = new FileDownloadRequestEvent(await requestEventArgs(c), {
      collection,
      record,
      fileField,
      servedPath,
      servedName,
      thumbError,
    });
    await app.hooks.onFileDownloadRequest.trigger(event, async (e) => {
      e.response = await serveObject(c, storage, e.servedPath, e.servedName);
    });
    return event.response ?? c.body(null, 200);
  });
}
