/**
 * Request body size limit (§12.3): 32 MiB by default, answered with PocketBase's 413. Bodies
 * are checked by Content-Length and, for chunked uploads, while they stream, so an oversized
 * body is never buffered whole. Record creates and updates get PocketBase's per-collection
 * limit instead (`recordsBodyLimit`).
 */
import type { Context } from "../http/context.ts";
import type { MiddlewareHandler } from "../http/router.ts";
import type { Collection } from "../../core/collections/collection-model.ts";
import { getFieldType } from "../../core/fields/registry.ts";
import { tooLarge } from "../errors.ts";
import type { ApiEnv } from "../env.ts";
import { nativeRequest } from "../http/node-request.ts";

/** PocketBase's default body limit. */
export const DEFAULT_BODY_LIMIT = 32 << 20;

/** Resolves the limit of one request; `undefined` keeps the middleware's default. */
export type BodyLimitResolver = (c: Context<ApiEnv>) => number | undefined;

/** Limits request bodies to `maxBytes` (resolved per request by `limitFor`, when given). */
export function bodyLimit(
  maxBytes: number = DEFAULT_BODY_LIMIT,
  limitFor?: BodyLimitResolver,
): MiddlewareHandler<ApiEnv> {
  return function bodyLimitMiddleware(c, next) {
    // The method is checked first: reading `raw.body` builds the platform's Request, which a
    // bodiless GET (most requests) should never pay for.
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    // Without Transfer-Encoding, Content-Length says it all (none or 0: no body), so the
    // platform's Request is built neither for a bodiless POST (auth refresh) nor for a sized body.
    if (c.req.header("transfer-encoding") === undefined) {
      if (Number(c.req.header("content-length") ?? 0) > (limitFor?.(c) ?? maxBytes)) throw tooLarge();
      return next();
    }
    const req = c.req.raw;
    if (!req.body) return next();
    // A chunked body is counted as it streams.
    const limit = limitFor?.(c) ?? maxBytes;
    let seen = 0;
    const limited = req.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > limit) controller.error(tooLarge());
          else controller.enqueue(chunk);
        },
      }),
    );
    c.req.raw = new Request(nativeRequest(req), { body: limited, duplex: "half" } as RequestInit);
    return next();
  };
}

/**
 * The body limit of a collection's record creates and updates: 32 MiB plus what its fields may
 * carry (file `maxSize` × `maxSelect`, editor and json `maxSize`), as PocketBase's
 * `dynamicCollectionBodyLimit`. Views only get the default (they cannot be written).
 */
export function collectionBodyLimit(collection: Collection): number {
  let limit = DEFAULT_BODY_LIMIT;
  if (collection.type === "view") return limit;
  for (const field of collection.fields) {
    limit += getFieldType(field.type).maxBodySize?.(field) ?? 0;
  }
  return limit;
}

const RECORDS_PATH = /^\/api\/collections\/([^/]+)\/records(?:\/[^/]+)?$/;

/** `limitFor` of the global body limit: the collection's limit for record POST/PATCH requests. */
export function recordsBodyLimit(c: Context<ApiEnv>): number | undefined {
  if (c.req.method !== "POST" && c.req.method !== "PATCH") return undefined;
  const m = RECORDS_PATH.exec(c.req.path);
  if (!m?.[1]) return undefined;
  let key: string;
  try {
    key = decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
  const collection = c.get("app").findCollectionByNameOrId(key);
  return collection ? collectionBodyLimit(collection) : undefined;
}
