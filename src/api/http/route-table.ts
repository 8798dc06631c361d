/**
 * The route table: which handler a method and a decoded path go to, and the path's parameters.
 * Static paths are one Map lookup; paths with `:name` segments (one non-empty segment) or a
 * trailing `*` (the rest, possibly nothing) are compiled once into segment lists and tried in
 * registration order. When several routes match, the one registered first wins, as before.
 * Trailing slashes are significant (`/api/health/` is not `/api/health`).
 */

/** A path's parameters by name, still percent-encoded where the path was (`c.req.param` decodes). */
export type RawParams = { [name: string]: string };

/** A route found for a request. */
export interface RouteMatch<T> {
  value: T;
  params: RawParams | null;
}

interface StaticEntry<T> {
  order: number;
  value: T;
}

interface PatternEntry<T> {
  order: number;
  value: T;
  /** Each segment: a literal, or null for a parameter (named in `names`). */
  segments: (string | null)[];
  names: string[];
  /** A trailing `*`: the segments above are a prefix. */
  rest: boolean;
}

/** Any method (`router.all`, `router.use`). */
export const ANY_METHOD = "*";

const NO_PARAMS: RawParams = Object.freeze({});

export class RouteTable<T> {
  #static = new Map<string, Map<string, StaticEntry<T>>>();
  #patterns = new Map<string, PatternEntry<T>[]>();
  #count = 0;

  /** Adds a route; `method` is upper case or `*`. */
  add(method: string, path: string, value: T): void {
    const order = this.#count++;
    if (!path.startsWith("/") && path !== "*") throw new Error(`A route path starts with "/": ${path}`);
    const parts = path === "*" ? ["*"] : path.split("/").slice(1);
    const dynamic = parts.some((p) => p.startsWith(":") || p.includes("*"));
    if (!dynamic) {
      let byPath = this.#static.get(method);
      if (!byPath) this.#static.set(method, (byPath = new Map()));
      if (!byPath.has(path)) byPath.set(path, { order, value });
      return;
    }
    const rest = parts[parts.length - 1] === "*";
    if (rest) parts.pop();
    const names: string[] = [];
    const segments = parts.map((p) => {
      if (p.includes("*")) throw new Error(`"*" may only end a route path: ${path}`);
      if (!p.startsWith(":")) return p;
      names.push(p.slice(1));
      return null;
    });
    let list = this.#patterns.get(method);
    if (!list) this.#patterns.set(method, (list = []));
    list.push({ order, value, segments, names, rest });
  }

  /** The route of `method` (or of any method) for a decoded `path`, or null. */
  match(method: string, path: string): RouteMatch<T> | null {
    let best: StaticEntry<T> | undefined = this.#static.get(method)?.get(path);
    const any = this.#static.get(ANY_METHOD)?.get(path);
    if (any && (!best || any.order < best.order)) best = any;
    let found: RouteMatch<T> | null = best ? { value: best.value, params: NO_PARAMS } : null;
    let bound = best ? best.order : Infinity;
    const lists = [this.#patterns.get(method), this.#patterns.get(ANY_METHOD)];
    let parts: string[] | undefined;
    for (const list of lists) {
      if (!list) continue;
      parts ??= path.split("/");
      for (const entry of list) {
        if (entry.order >= bound) break;
        const params = matchPattern(entry, parts);
        if (params) {
          found = { value: entry.value, params };
          bound = entry.order;
          break;
        }
      }
    }
    return found;
  }
}

/** The parameters when `parts` (the path split on `/`, a leading "") fits the pattern. */
function matchPattern<T>(entry: PatternEntry<T>, parts: string[]): RawParams | null {
  const { segments, rest } = entry;
  const count = parts.length - 1;
  if (rest ? count < segments.length : count !== segments.length) return null;
  let params: RawParams | null = null;
  let n = 0;
  for (let i = 0; i < segments.length; i++) {
    const part = parts[i + 1]!;
    const literal = segments[i];
    if (literal === null) {
      if (part === "") return null;
      (params ??= {})[entry.names[n++]!] = part;
    } else if (literal !== part) {
      return null;
    }
  }
  return params ?? NO_PARAMS;
}
