/**
 * `c.req`: what handlers read of a request. Served from node's IncomingMessage when node:http
 * serves the request (no WHATWG objects unless `raw` is read), or from a WHATWG Request when the
 * router is called in-process (`router.fetch`: batch sub-requests, WebSocket upgrades, tests).
 */
import type { IncomingMessage } from "node:http";
import { decodeComponent, parseQuery, urlPath } from "./request-target.ts";
import type { RawParams } from "./route-table.ts";
import { NodeRequest } from "./node-request.ts";

/** The parts of a request the router needs, whatever carries it. */
export interface RequestSource {
  method: string;
  url: string;
  /** The Node message, when node:http serves the request. */
  incoming?: IncomingMessage;
  /** The WHATWG request, built on first read when `incoming` is set. */
  raw: () => Request;
}

const EMPTY: RawParams = Object.freeze({});

export class HttpRequest {
  readonly method: string;
  readonly url: string;
  /** The decoded path the routes match. */
  readonly path: string;
  readonly #incoming: IncomingMessage | undefined;
  #rawSource: (() => Request) | undefined;
  #raw: Request | undefined;
  #params: RawParams = EMPTY;
  #query: Map<string, string[]> | undefined;
  #replaced = false;

  constructor(source: RequestSource) {
    this.method = source.method;
    this.url = source.url;
    this.path = urlPath(source.url);
    this.#incoming = source.incoming;
    this.#rawSource = source.raw;
  }

  /** The WHATWG Request (built on first read for node:http requests). */
  get raw(): Request {
    if (this.#raw === undefined) {
      this.#raw = this.#rawSource!();
      this.#rawSource = undefined;
    }
    return this.#raw;
  }
  /** Replaces the request the handlers read (e.g. with a size-limited body). */
  set raw(request: Request) {
    this.#raw = request;
    this.#rawSource = undefined;
    this.#replaced = true;
  }

  /**
   * The Node message whose body nothing has read yet, when node:http serves the request and
   * `raw` was neither replaced nor turned into the platform's Request (which streams the body
   * itself): a body reader can then take the bytes straight from Node's stream.
   */
  unreadIncoming(): IncomingMessage | undefined {
    const incoming = this.#incoming;
    if (!incoming || this.#replaced || incoming.readableDidRead || incoming.destroyed) return undefined;
    if (this.#raw !== undefined && !(NodeRequest.is(this.#raw) && !this.#raw.isNative)) return undefined;
    return incoming;
  }

  /** Set by the router once the route is known. */
  setParams(params: RawParams): void {
    this.#params = params;
  }

  /** A path parameter, decoded (`:id` of the route). */
  param(name: string): string;
  /** Every path parameter, decoded. */
  param(): { [name: string]: string };
  param(name?: string): string | { [name: string]: string } {
    if (name !== undefined) {
      const value = this.#params[name];
      return (value === undefined ? undefined : decodeComponent(value, false)) as string;
    }
    const out: { [name: string]: string } = {};
    for (const key of Object.keys(this.#params)) out[key] = decodeComponent(this.#params[key]!, false);
    return out;
  }

  /** The first value of a query parameter, or undefined. */
  query(name: string): string | undefined;
  /** The first value of every query parameter. */
  query(): { [name: string]: string };
  query(name?: string): string | undefined | { [name: string]: string } {
    const query = (this.#query ??= parseQuery(this.url));
    if (name !== undefined) return query.get(name)?.[0];
    const out: { [name: string]: string } = {};
    for (const [key, values] of query) out[key] = values[0]!;
    return out;
  }

  /** Every value of a query parameter, or undefined. */
  queries(name: string): string[] | undefined {
    return (this.#query ??= parseQuery(this.url)).get(name);
  }

  /** A request header (case-insensitive), or undefined. */
  header(name: string): string | undefined;
  /** Every request header, by lower-case name. */
  header(): { [name: string]: string };
  header(name?: string): string | undefined | { [name: string]: string } {
    const incoming = this.#incoming;
    if (name !== undefined) {
      if (incoming) {
        const value = incoming.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(", ") : value;
      }
      return this.raw.headers.get(name) ?? undefined;
    }
    const out: { [name: string]: string } = {};
    if (incoming) {
      for (const [key, value] of Object.entries(incoming.headers)) {
        if (value !== undefined) out[key] = Array.isArray(value) ? value.join(", ") : value;
      }
    } else {
      for (const [key, value] of this.raw.headers) out[key] = value;
    }
    return out;
  }
}
