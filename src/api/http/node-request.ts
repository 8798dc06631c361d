/**
 * `c.req.raw` of a request served by node:http: a WHATWG Request view of the IncomingMessage
 * that costs nothing until it is read. `method` and `url` come from the message; `headers` is
 * built from Node's raw header list on first read; `signal` is aborted when the client goes away
 * before the response is finished; anything else (`body`, `text()`, `clone()`…) builds the
 * platform's Request once, with the message streamed as its body and that signal.
 *
 * `signal` is our own because the password flows pass it to the hash pool on every request:
 * building the platform's Request for it cost a Request per auth and, once, loading undici
 * (which a start no longer does; docs/performance.md, "Memory, round 6").
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { headerEntriesFromRaw, headersFromRaw } from "../raw-headers.ts";
import { delegateToNative } from "./delegate-native.ts";

export class NodeRequest {
  readonly #incoming: IncomingMessage;
  readonly #outgoing: ServerResponse;
  readonly #url: string;
  #headers: Headers | undefined;
  #native: Request | undefined;
  #aborter: AbortController | undefined;

  constructor(incoming: IncomingMessage, outgoing: ServerResponse, url: string) {
    this.#incoming = incoming;
    this.#outgoing = outgoing;
    this.#url = url;
  }

  get method(): string {
    return this.#incoming.method ?? "GET";
  }
  get url(): string {
    return this.#url;
  }
  get headers(): Headers {
    if (this.#native) return this.#native.headers;
    return (this.#headers ??= headersFromRaw(this.#incoming.rawHeaders));
  }

  /** `[...headers]`, without building the `Headers` when nothing did yet. */
  headerEntries(): [string, string][] {
    if (this.#native || this.#headers) return [...this.headers];
    return headerEntriesFromRaw(this.#incoming.rawHeaders);
  }

  /**
   * Whether `request` is a view of this class: a brand check, which unlike `instanceof` never
   * walks a platform Request's chain nor this class's stand-in (see delegate-native.ts).
   */
  static is(request: unknown): request is NodeRequest {
    return typeof request === "object" && request !== null && #incoming in request;
  }

  /** Whether the platform's Request was built (it then owns the body stream). */
  get isNative(): boolean {
    return this.#native !== undefined;
  }

  /** Aborted when the client goes away before the response is finished. */
  get signal(): AbortSignal {
    if (this.#native) return this.#native.signal;
    return this.#abortController().signal;
  }

  #abortController(): AbortController {
    if (this.#aborter) return this.#aborter;
    const incoming = this.#incoming;
    const outgoing = this.#outgoing;
    const controller = (this.#aborter = new AbortController());
    outgoing.once("close", () => {
      if (!outgoing.writableFinished || incoming.errored)
        controller.abort("Client connection prematurely closed.");
    });
    return controller;
  }

  /** The platform's Request, built once. */
  native(): Request {
    if (this.#native) return this.#native;
    const incoming = this.#incoming;
    const method = this.method;
    const init: RequestInit & { duplex?: "half" } = {
      method,
      headers: this.headers,
      signal: this.#abortController().signal,
    };
    if (method !== "GET" && method !== "HEAD") {
      init.body = Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array>;
      init.duplex = "half";
    }
    this.#native = new Request(this.#url, init);
    return this.#native;
  }
}

delegateToNative(
  NodeRequest.prototype,
  () => Request.prototype,
  (self: NodeRequest) => self.native(),
  new Set(["method", "url", "headers", "signal", "isNative"]),
);
Object.defineProperty(NodeRequest.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value(this: NodeRequest) {
    return `Request (node) { method: ${this.method}, url: ${this.url} }`;
  },
});

/** The platform's Request behind `request` (for `new Request(request, init)`, which needs a real one). */
export function nativeRequest(request: Request): Request {
  return NodeRequest.is(request) ? request.native() : request;
}
