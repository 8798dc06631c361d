/**
 * How a message crosses the port between the main thread and a pb_hooks worker: as JSON text
 * when JSON carries it exactly, by structured clone otherwise. V8's structured clone rebuilds an
 * object property by property (a string-table lookup and a map transition search per key), which
 * on the receiving worker cost more than the handler itself: ≈ 40 % of a worker's CPU per run of a
 * small `onRecordCreate` hook (perf). JSON.parse builds the same objects several times faster,
 * and text crosses the port as one string.
 *
 * "Exactly" means: only null, booleans, strings, finite numbers, arrays and plain objects, with
 * no `undefined` member (JSON would drop it) and no -0 (JSON writes 0). Anything else (bytes,
 * dates, errors, maps…) keeps the structured clone, which carries them.
 */

/** Nesting deeper than this is sent by structured clone (no deep recursion on odd data). */
const MAX_DEPTH = 32;

/** Whether `JSON.parse(JSON.stringify(v))` is structurally identical to `v`. */
export function survivesJson(v: unknown, depth = 0): boolean {
  if (v === null) return true;
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v) && !Object.is(v, -0);
    case "object": {
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!(i in v) || !survivesJson(v[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in v) if (!survivesJson((v as { [k: string]: unknown })[key], depth + 1)) return false;
      return true;
    }
    case "undefined":
    case "bigint":
    case "symbol":
    case "function":
      return false;
  }
  return false;
}

/** The form of `message` to post. */
export function pack(message: object): unknown {
  return survivesJson(message) ? JSON.stringify(message) : message;
}

/** A posted message as it was packed. */
export function unpack<T>(data: unknown): T {
  return (typeof data === "string" ? JSON.parse(data) : data) as T;
}
