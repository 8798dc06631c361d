/**
 * Route families whose module loads on their first request, so that a start loads only what
 * the first requests need (docs/performance.md, "Cold start"). A family lists its routes
 * ("METHOD /path", in the order its binder registers them) and imports its binder; the router
 * registers a stub at each of those places, so route order and matching are what the eager
 * binder gives. On the first request to any of them, the module is imported, its binder runs
 * once against a recorder, and every stub then calls the recorded handler directly.
 * `lazy-routes.test.ts` checks each family's list against what its binder really registers.
 */
import type { ApiEnv } from "./env.ts";
import { Router, type Handler } from "./http/router.ts";

/** A binder of routes (the `bindXxxApi` functions). */
export type RouteBinder = (router: Router<ApiEnv>) => void;

/** A family of routes bound on first use. */
export interface LazyRouteFamily {
  /** "METHOD /path" of every route the binder registers, in its order. */
  readonly routes: readonly string[];
  /** Imports the family's module and hands back its binder. */
  readonly load: () => Promise<RouteBinder>;
}

/** A router that only records what a binder registers, by "METHOD /path". */
export class RouteRecorder extends Router<ApiEnv> {
  readonly handlers = new Map<string, Handler<ApiEnv>>();
  override on(methods: string | string[], path: string, handler: Handler<ApiEnv>): this {
    for (const method of Array.isArray(methods) ? methods : [methods]) {
      const key = `${method.toUpperCase()} ${path}`;
      if (!this.handlers.has(key)) this.handlers.set(key, handler);
    }
    return this;
  }
}

/** Registers a family's routes; its module loads on the first request to one of them. */
export function bindLazyRoutes(router: Router<ApiEnv>, family: LazyRouteFamily): void {
  let handlers: Map<string, Handler<ApiEnv>> | undefined;
  let loading: Promise<Map<string, Handler<ApiEnv>>> | undefined;
  const load = (): Promise<Map<string, Handler<ApiEnv>>> =>
    (loading ??= family.load().then(
      (bind) => {
        const recorder = new RouteRecorder();
        bind(recorder);
        return (handlers = recorder.handlers);
      },
      (err: unknown) => {
        // a failed import (e.g. a missing file) is retried by the next request
        loading = undefined;
        throw err;
      },
    ));
  for (const route of family.routes) {
    const space = route.indexOf(" ");
    const method = route.slice(0, space);
    const path = route.slice(space + 1);
    const call = (found: Map<string, Handler<ApiEnv>>): Handler<ApiEnv> => {
      const handler = found.get(route);
      if (!handler) throw new Error(`lazy route ${route} is not registered by its module`);
      return handler;
    };
    router.on(method, path, (c, next) => {
      if (handlers) return call(handlers)(c, next);
      return load().then((found) => call(found)(c, next));
    });
  }
}
