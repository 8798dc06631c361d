/**
 * A Response that is only its parts until someone reads it as a Response. Handlers answer with
 * `Response` objects; most of them are a status, a few headers and a string or bytes, which the
 * node adapter writes with `writeHead` + `end` without ever building the platform's Response
 * (an undici object with a body stream). Reading `body`, `text()`, `clone()`… builds the real
 * one on first use, so in-process callers (`router.fetch`, batch sub-requests, tests) see an
 * ordinary Response; `status` and `headers` are served from the parts.
 */
import { delegateToNative } from "./delegate-native.ts";

/** What a plain response is made of. */
export type PlainBody = string | Uint8Array | null;
export type PlainHeaders = { [name: string]: string };

export class PlainResponse {
  #status: number;
  #body: PlainBody;
  #headers: PlainHeaders | undefined;
  /** The live Headers, once `headers` was read (the parts are then no longer the response). */
  #live: Headers | undefined;
  /** The UTF-8 length of a string body, when its maker knew it (see `plainResponse`). */
  #byteLength: number | undefined;
  #native: Response | undefined;

  constructor(body: PlainBody, status = 200, headers?: PlainHeaders, byteLength?: number) {
    this.#body = body;
    this.#status = status;
    this.#headers = headers;
    this.#byteLength = byteLength;
  }

  /**
   * The parts, for a writer that sends them itself; null for another Response, or once the
   * headers were read as Headers (which may have been changed) or the real Response was built.
   * A brand check rather than `instanceof`: that would walk a native response's prototype
   * chain, or this class's stand-in (see delegate-native.ts), and load the platform's classes.
   */
  static parts(res: Response): {
    status: number;
    body: PlainBody;
    headers: PlainHeaders | undefined;
    byteLength: number | undefined;
  } | null {
    if (typeof res !== "object" || res === null || !(#live in res) || res.#live || res.#native) return null;
    return { status: res.#status, body: res.#body, headers: res.#headers, byteLength: res.#byteLength };
  }

  get status(): number {
    return this.#status;
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status < 300;
  }
  get headers(): Headers {
    if (this.#native) return this.#native.headers;
    if (!this.#live) {
      const headers = new Headers(this.#headers);
      if (this.#body !== null && !headers.has("content-type") && typeof this.#body === "string") {
        headers.set("content-type", "text/plain;charset=UTF-8");
      }
      this.#live = headers;
    }
    return this.#live;
  }

  /** The platform's Response, built once. */
  native(): Response {
    if (!this.#native) {
      const headers = this.headers;
      const status = this.#status;
      const nullBody = status === 204 || status === 205 || status === 304 || status === 101;
      this.#native = new Response(nullBody ? null : (this.#body as BodyInit | null), {
        status,
        headers,
      });
    }
    return this.#native;
  }
}

delegateToNative(
  PlainResponse.prototype,
  () => Response.prototype,
  (self: PlainResponse) => self.native(),
  new Set(["status", "ok", "headers"]),
);
Object.defineProperty(PlainResponse.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value(this: PlainResponse) {
    return `Response (plain) { status: ${this.status} }`;
  },
});

/**
 * A response of parts (typed as the Response handlers return). `byteLength`, the UTF-8 length
 * of a string body when the caller measured it on a flat string: a body built as `json + "\n"`
 * is a two-part string, which measuring would flatten into one more copy of the whole body
 * (Node copies it again behind the header when it writes it).
 */
export function plainResponse(
  body: PlainBody,
  status = 200,
  headers?: PlainHeaders,
  byteLength?: number,
): Response {
  return new PlainResponse(body, status, headers, byteLength) as unknown as Response;
}
