/** Resolving the `{collection}` path parameter of auth routes. */
import type { Context } from "./http/context.ts";
import type { AuthOptions, Collection } from "../core/collections/collection-model.ts";
import { notFound } from "./errors.ts";
import type { ApiEnv } from "./env.ts";

/** The auth collection named by the route, or 404 `Missing or invalid auth collection context.` */
export function findAuthCollection(c: Context<ApiEnv>): Collection & { auth: AuthOptions } {
  const collection = c.get("app").findCollectionByNameOrId(c.req.param("collection") ?? "");
  if (!collection || collection.type !== "auth" || !collection.auth) {
    throw notFound("Missing or invalid auth collection context.");
  }
  return collection as Collection & { auth: AuthOptions };
}
