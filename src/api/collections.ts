/** Collections API (§1.3): superuser-only CRUD, truncate, import and scaffolds. */
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import {
  CollectionRequestEvent,
  CollectionsImportRequestEvent,
  CollectionsListRequestEvent,
} from "../core/hook-events.ts";
import { newCollection } from "../core/collections/collection-defaults.ts";
import { applyCollectionBody, collectionFromCreateBody } from "../core/collections/collection-input.ts";
import { collectionToApiJson } from "../core/collections/collection-json.ts";
import { cloneCollection, type Collection } from "../core/collections/collection-model.ts";
import { listCollections } from "../core/collections/collection-list.ts";
import { importCollectionsData } from "../core/collections/collection-import.ts";
import { referencingCollections, saveCollection } from "../core/collections/collection-save.ts";
import { ValidationError, ValidationErrors, type ErrorTree } from "../tools/validation.ts";
import { ApiError, badRequest, notFound, safeErrorData } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { requireSuperuser } from "./guards.ts";
import { parsePaging, listResult } from "./list-query.ts";
import { readBody } from "./request-body.ts";
import { requestEventArgs } from "./request-event.ts";
import { jsonResponse } from "./response.ts";

function findOr404(c: Context<ApiEnv>): Collection {
  const found = c.get("app").findCollectionByNameOrId(c.req.param("collection") ?? "");
  if (!found) throw notFound();
  return cloneCollection(found);
}

/** Rethrows a save failure as PocketBase's 400 with the given message. */
function asBadRequest(message: string, err: unknown): never {
  if (err instanceof ValidationErrors) throw badRequest(message, err);
  if (err instanceof ValidationError) throw new ApiError(400, err.message);
  throw err;
}

function shapeErrorTree(shape: { [key: string]: string }, typeError?: string): ErrorTree {
  const tree: ErrorTree = {};
  for (const [key, message] of Object.entries(shape))
    tree[key] = new ValidationError("validation_invalid_value", message);
  if (typeError) tree.type = new ValidationError("validation_in_invalid", typeError);
  return tree;
}

/** Registers the collection routes. */
export function bindCollectionsApi(router: Router<ApiEnv>): void {
  router.get("/api/collections", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const url = new URL(c.req.url);
    const paging = parsePaging(url.searchParams);
    let found: Awaited<ReturnType<typeof listCollections>>;
    try {
      found = await listCollections(app, {
        filter: url.searchParams.get("filter") ?? "",
        sort: url.searchParams.get("sort") ?? "",
        ...paging,
      });
    } catch (err) {
      // PocketBase answers a bad filter or sort with its generic 400; the detail is only logged.
      if (err instanceof ValidationError) throw new ApiError(400, "", {}, err);
      throw err;
    }
    const { items, total } = found;
    const event = new CollectionsListRequestEvent(await requestEventArgs(c), {
      collections: items,
      result: listResult(items, paging, total),
    });
    await app.hooks.onCollectionsListRequest.trigger(event, (e) => {
      const result = listResult(e.collections.map(collectionToApiJson), paging, total);
      e.response = jsonResponse(c, 200, result);
    });
    return event.response ?? c.body(null, 200);
  });

  router.get("/api/collections/meta/scaffolds", (c) => {
    requireSuperuser(c);
    const scaffold = (type: "auth" | "base" | "view") => collectionToApiJson(newCollection(type));
    return jsonResponse(c, 200, { auth: scaffold("auth"), base: scaffold("base"), view: scaffold("view") });
  });

  router.put("/api/collections/import", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const body = await readBody(c);
    const event = new CollectionsImportRequestEvent(await requestEventArgs(c));
    const rawList = body.collections;
    if (!Array.isArray(rawList) || rawList.length === 0) {
      throw new ApiError(
        400,
        "",
        safeErrorData({ collections: new ValidationError("validation_required", "Cannot be blank.") }),
      );
    }
    const isObject = (x: unknown): x is { [key: string]: unknown } =>
      typeof x === "object" && x !== null && !Array.isArray(x);
    if (!rawList.every(isObject)) {
      throw new ApiError(400, "Failed to load the submitted data due to invalid formatting.");
    }
    event.collectionsData = rawList;
    event.deleteMissing = body.deleteMissing === true;
    await app.hooks.onCollectionsImportRequest.trigger(event, async (e) => {
      try {
        await importCollectionsData(e.app, e.collectionsData, e.deleteMissing);
      } catch (err) {
        if (err instanceof ValidationErrors) throw badRequest("Failed to import collections.", err);
        const detail = err instanceof Error ? err.message : "";
        throw new ApiError(
          400,
          "Failed to import collections.",
          safeErrorData({
            collections: new ValidationError(
              "validation_collections_import_failure",
              `Failed to import the collections configuration. Raw error:\n${detail}`,
            ),
          }),
          err,
        );
      }
      e.noContent(204);
    });
    return event.response ?? c.body(null, 200);
  });

  router.post("/api/collections", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const body = await readBody(c);
    const input = collectionFromCreateBody(body);
    if (Object.keys(input.shapeErrors).length > 0 || input.typeError) {
      throw badRequest("Failed to create collection.", shapeErrorTree(input.shapeErrors, input.typeError));
    }
    const event = new CollectionRequestEvent(await requestEventArgs(c), { collection: input.collection });
    await app.hooks.onCollectionCreateRequest.trigger(event, async (e) => {
      let saved: Collection;
      try {
        saved = await saveCollection(e.app, e.collection, null);
      } catch (err) {
        asBadRequest("Failed to create collection.", err);
      }
      e.response = jsonResponse(c, 200, collectionToApiJson(saved));
    });
    return event.response ?? c.body(null, 200);
  });

  router.get("/api/collections/:collection", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const event = new CollectionRequestEvent(await requestEventArgs(c), { collection: findOr404(c) });
    await app.hooks.onCollectionViewRequest.trigger(event, (e) => {
      e.response = jsonResponse(c, 200, collectionToApiJson(e.collection));
    });
    return event.response ?? c.body(null, 200);
  });

  router.patch("/api/collections/:collection", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const stored = findOr404(c);
    const body = await readBody(c);
    const input = applyCollectionBody(stored, body);
    if ("type" in body && body.type !== stored.type) input.collection.type = body.type as Collection["type"];
    if (Object.keys(input.shapeErrors).length > 0) {
      throw badRequest("Failed to update collection.", shapeErrorTree(input.shapeErrors));
    }
    const event = new CollectionRequestEvent(await requestEventArgs(c), { collection: input.collection });
    await app.hooks.onCollectionUpdateRequest.trigger(event, async (e) => {
      let saved: Collection;
      try {
        saved = await saveCollection(e.app, e.collection, stored);
      } catch (err) {
        asBadRequest("Failed to update collection.", err);
      }
      e.response = jsonResponse(c, 200, collectionToApiJson(saved));
    });
    return event.response ?? c.body(null, 200);
  });

  router.delete("/api/collections/:collection", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const event = new CollectionRequestEvent(await requestEventArgs(c), { collection: findOr404(c) });
    await app.hooks.onCollectionDeleteRequest.trigger(event, async (e) => {
      try {
        await e.app.delete(e.collection);
      } catch (err) {
        // Any failure (system collection, references, SQL) is PocketBase's generic delete 400.
        const refs = referencingCollections(e.app, e.collection);
        const detail = refs.length > 0 ? ` probably due to existing reference in ${refs.join(", ")}` : "";
        throw new ApiError(400, `Failed to delete collection${detail}`, {}, err);
      }
      e.noContent(204);
    });
    return event.response ?? c.body(null, 200);
  });

  router.delete("/api/collections/:collection/truncate", async (c) => {
    requireSuperuser(c);
    const collection = findOr404(c);
    if (collection.type === "view") {
      throw badRequest("View collections cannot be truncated since they don't store their own records.");
    }
    try {
      await c.get("app").truncateCollection(collection);
    } catch (err) {
      throw new ApiError(
        400,
        "Failed to truncate collection (most likely due to required cascade delete record references).",
        {},
        err,
      );
    }
    return c.body(null, 204);
  });
}
