/**
 * The router: routes by method and path (src/api/http/route-table.ts), a pipeline of
 * middlewares run around the matched route as plain calls, a not-found handler and an error
 * handler. It is served by the node adapter (src/api/http/node-adapter.ts) and can be called
 * in-process with a WHATWG Request (`fetch`, `request`).
 *
 * Pipeline semantics (the ones the handlers were written for): middlewares run in the order
 * they were added, each calling `next()` to go on; the route's handler answers, or the
 * not-found handler when no route matched. An error thrown at any step is answered by the
 * error handler at that step (`c.error` set) and the middlewares around it carry on; a
 * middleware's own return value becomes the response unless one is already set. HEAD requests
 * take GET routes and their response is sent without a body.
 */
import { Context, type Env } from "./context.ts";
import { HttpRequest, type RequestSource } from "./request.ts";
import { ANY_METHOD, RouteTable } from "./route-table.ts";

/** What `next()` continues with. */
export type Next = () => Promise<void>;
/** A middleware (or a route handler: one that doesn't call `next`). */
export type MiddlewareHandler<E extends Env = Env> = (
  c: Context<E>,
  next: Next,
) => Response | void | undefined | Promise<Response | void | undefined>;
/** A route handler. */
export type Handler<E extends Env = Env> = (c: Context<E>, next: Next) => Response | Promise<Response>;
export type ErrorHandler<E extends Env = Env> = (err: Error, c: Context<E>) => Response | Promise<Response>;
export type NotFoundHandler<E extends Env = Env> = (c: Context<E>) => Response | Promise<Response>;

const DONE: Promise<void> = Promise.resolve();

function defaultNotFound(c: Context): Response {
  return c.text("404 Not Found", 404);
}
function defaultOnError(err: Error, c: Context): Response {
  console.error(err);
  return c.text("Internal Server Error", 500);
}

export class Router<E extends Env = Env> {
  readonly #routes = new RouteTable<Handler<E>>();
  readonly #middlewares: MiddlewareHandler<E>[] = [];
  #notFound: NotFoundHandler<E> = defaultNotFound;
  #onError: ErrorHandler<E> = defaultOnError;

  /** Adds a middleware for every request (`path` must be `*`). */
  use(path: "*", ...handlers: MiddlewareHandler<E>[]): this {
    if (path !== "*") throw new Error("Only global middlewares (`*`) are supported.");
    this.#middlewares.push(...handlers);
    return this;
  }
  get(path: string, handler: Handler<E>): this {
    return this.on("GET", path, handler);
  }
  post(path: string, handler: Handler<E>): this {
    return this.on("POST", path, handler);
  }
  put(path: string, handler: Handler<E>): this {
    return this.on("PUT", path, handler);
  }
  patch(path: string, handler: Handler<E>): this {
    return this.on("PATCH", path, handler);
  }
  delete(path: string, handler: Handler<E>): this {
    return this.on("DELETE", path, handler);
  }
  all(path: string, handler: Handler<E>): this {
    return this.on(ANY_METHOD, path, handler);
  }
  /** A route for one or more methods (HEAD requests use the GET routes anyway). */
  on(methods: string | string[], path: string, handler: Handler<E>): this {
    for (const method of Array.isArray(methods) ? methods : [methods]) {
      this.#routes.add(method === ANY_METHOD ? method : method.toUpperCase(), path, handler);
    }
    return this;
  }
  notFound(handler: NotFoundHandler<E>): this {
    this.#notFound = handler;
    return this;
  }
  onError(handler: ErrorHandler<E>): this {
    this.#onError = handler;
    return this;
  }

  /**
   * Runs a request through the pipeline; resolves to its context (the response in `c.res`).
   * Errors the error handler itself throws reject.
   */
  handle(source: RequestSource, env: unknown): Context<E> | Promise<Context<E>> {
    const req = new HttpRequest(source);
    const c = new Context<E>(req, env);
    const method = source.method === "HEAD" ? "GET" : source.method;
    const route = this.#routes.match(method, req.path);
    let handler: Handler<E> | undefined;
    if (route) {
      req.setParams(route.params ?? {});
      handler = route.value;
    }
    const done = this.#step(c, 0, handler);
    return done === DONE ? c : done.then(() => c);
  }

  /**
   * Runs middleware `i` (or, past the last one, the route) with `next` running the rest. A
   * middleware that hands back `next()`'s own promise (or a synchronous result) adds no promise
   * of its own: a request through synchronous middlewares and handler is answered in one call.
   */
  #step(c: Context<E>, i: number, handler: Handler<E> | undefined): Promise<void> {
    const middlewares = this.#middlewares;
    const middleware = i < middlewares.length ? middlewares[i] : undefined;
    const fn: MiddlewareHandler<E> | undefined =
      middleware ?? handler ?? (c.finalized ? undefined : this.#notFound);
    if (!fn) return DONE;
    let inner: Promise<void> | undefined;
    const next: Next = middleware
      ? () => {
          if (inner) return Promise.reject(new Error("next() called multiple times"));
          return (inner = this.#step(c, i + 1, handler));
        }
      : () => DONE;
    let out: ReturnType<MiddlewareHandler<E>>;
    try {
      out = fn(c, next);
    } catch (err) {
      return this.#fail(c, err);
    }
    if (out === inner && inner !== undefined) return inner;
    if (isThenable(out)) {
      return out.then(
        (res) => {
          if (res && !c.finalized) c.res = res;
        },
        (err: unknown) => this.#fail(c, err),
      );
    }
    if (out && !c.finalized) c.res = out;
    return DONE;
  }

  /** Answers an error with the error handler (`c.error` set). */
  #fail(c: Context<E>, thrown: unknown): Promise<void> {
    const err = thrown instanceof Error ? thrown : new Error(String(thrown));
    c.error = err;
    const res = this.#onError(err, c);
    if (isThenable(res)) {
      return res.then((r) => {
        c.res = r;
      });
    }
    c.res = res;
    return DONE;
  }

  /** The router called in-process with a WHATWG Request. */
  fetch = (request: Request, env?: unknown): Promise<Response> => {
    const source: RequestSource = { method: request.method, url: request.url, raw: () => request };
    let handled: Context<E> | Promise<Context<E>>;
    try {
      handled = this.handle(source, env);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return Promise.resolve(handled).then((c) => {
      const res = c.res;
      if (request.method !== "HEAD") return res;
      return new Response(null, { status: res.status, headers: res.headers });
    });
  };

  /** `fetch` with a path (on `http://localhost`) or URL, for tests. */
  request(input: string | Request, init?: RequestInit, env?: unknown): Promise<Response> {
    if (input instanceof Request) return this.fetch(init ? new Request(input, init) : input, env);
    const url = /^https?:\/\//.test(input)
      ? input
      : `http://localhost${input.startsWith("/") ? "" : "/"}${input}`;
    const body = init?.body;
    const needsDuplex =
      body !== undefined && body !== null && typeof (body as ReadableStream).getReader === "function";
    return this.fetch(
      new Request(url, needsDuplex ? ({ ...init, duplex: "half" } as RequestInit) : init),
      env,
    );
  }
}

/**
 * Whether a handler's result is to be awaited. Not `instanceof Promise`: on a plain response that
 * walks its prototype chain into the stand-in that links it to the platform's Response, which
 * loads undici (see delegate-native.ts); reading `then`, as `await` would, does not.
 */
function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === "function";
}
