/**
 * `c`, the context of one request through the middleware pipeline: the request (`c.req`),
 * typed per-request variables (`c.get`/`c.set`), the response being built (`c.res`, `c.header`)
 * and the response helpers handlers return (`c.body`, `c.json`, `c.text`, `c.html`,
 * `c.redirect`). Responses are plain (src/api/http/plain-response.ts) until read as Responses.
 */
import type { HttpRequest } from "./request.ts";
import { PlainResponse, plainResponse, type PlainBody, type PlainHeaders } from "./plain-response.ts";

/** The typing of a router's contexts: its per-request variables. */
export interface Env {
  Variables: object;
}

type Vars<E extends Env> = E["Variables"];

export class Context<E extends Env = Env> {
  readonly req: HttpRequest;
  /** What the transport passed along (`{incoming, outgoing}` from node:http, or fetch's `env`). */
  readonly env: unknown;
  /** The error the error handler answered, when a handler or middleware threw. */
  error: Error | undefined = undefined;
  /** A response was set (a handler answered, or `c.res` was assigned). */
  finalized = false;
  #vars: { [key: string]: unknown } = {};
  #res: Response | undefined;
  #prepared: PlainHeaders | undefined;

  constructor(req: HttpRequest, env: unknown) {
    this.req = req;
    this.env = env;
  }

  get<K extends keyof Vars<E> & string>(key: K): Vars<E>[K] {
    return this.#vars[key] as Vars<E>[K];
  }
  set<K extends keyof Vars<E> & string>(key: K, value: Vars<E>[K]): void {
    this.#vars[key] = value;
  }

  /** The response so far (an empty 200 with the headers set by `c.header`, when none yet). */
  get res(): Response {
    return (this.#res ??= plainResponse(null, 200, this.#prepared));
  }
  /** Replaces the response; headers of the one it replaces are carried over (not its type). */
  set res(next: Response) {
    const previous = this.#res;
    if (previous && next !== previous) {
      const target = next.headers;
      for (const [k, v] of previous.headers) {
        if (k === "content-type") continue;
        if (k === "set-cookie") {
          target.delete("set-cookie");
          for (const cookie of previous.headers.getSetCookie()) target.append("set-cookie", cookie);
        } else {
          target.set(k, v);
        }
      }
    }
    this.#res = next;
    this.finalized = true;
  }

  /** Sets (or, without a value, removes) a header of the response. */
  header(name: string, value: string | undefined): void {
    if (this.#res) {
      if (value === undefined) this.#res.headers.delete(name);
      else this.#res.headers.set(name, value);
      return;
    }
    const prepared = (this.#prepared ??= {});
    for (const key of Object.keys(prepared))
      if (key.toLowerCase() === name.toLowerCase()) delete prepared[key];
    if (value !== undefined) prepared[name] = value;
  }

  /** A response of `body` with `status` and headers (over those set by `c.header`). */
  body(body: PlainBody, status = 200, headers?: PlainHeaders): Response {
    return plainResponse(body, status, this.#headers(headers));
  }
  /** A JSON response (`JSON.stringify`). */
  json(data: unknown, status = 200, headers?: PlainHeaders): Response {
    return this.#typed(JSON.stringify(data), status, "application/json", headers);
  }
  /** A `text/plain` response. */
  text(text: string, status = 200, headers?: PlainHeaders): Response {
    return this.#typed(text, status, "text/plain; charset=UTF-8", headers);
  }
  /** A `text/html` response. */
  html(html: string, status = 200, headers?: PlainHeaders): Response {
    return this.#typed(html, status, "text/html; charset=UTF-8", headers);
  }
  /** A redirect to `location` (as given: relative locations stay relative). */
  redirect(location: string, status = 302): Response {
    return plainResponse(null, status, this.#headers({ Location: location }));
  }

  #typed(body: string, status: number, type: string, headers?: PlainHeaders): Response {
    const merged = this.#headers(headers);
    if (!merged) return plainResponse(body, status, { "content-type": type });
    if (!Object.keys(merged).some((k) => k.toLowerCase() === "content-type")) merged["content-type"] = type;
    return plainResponse(body, status, merged);
  }

  /** The headers of a new response: `c.header`'s, then `headers` over them. */
  #headers(headers: PlainHeaders | undefined): PlainHeaders | undefined {
    const prepared = this.#res ? plainHeadersOf(this.#res) : this.#prepared;
    if (!prepared) return headers;
    const out: PlainHeaders = { ...prepared };
    if (headers) {
      for (const [name, value] of Object.entries(headers)) {
        for (const key of Object.keys(out)) if (key.toLowerCase() === name.toLowerCase()) delete out[key];
        out[name] = value;
      }
    }
    return out;
  }
}

function plainHeadersOf(res: Response): PlainHeaders {
  const parts = PlainResponse.parts(res);
  if (parts) return { ...parts.headers };
  return Object.fromEntries(res.headers);
}
