/**
 * Field `pattern` options are Go regular expressions, which is to say RE2: they run here on
 * re2js, a port of RE2, so the syntax, the error messages and, above all, the linear matching
 * time are Go's. (A backtracking engine such as JS's RegExp lets a pattern like `^(a+)+$` take
 * hours on a few dozen characters sent by any guest who may create a record.) Compiled
 * patterns are cached: options are resolved once, not per request.
 */
import { createRequire } from "node:module";
import type { RE2JS } from "re2js";
import { isBun } from "../../tools/runtime.ts";

/** A compiled pattern. */
export type GoRegex = RE2JS;

/**
 * re2js, loaded on the first pattern compiled: a pb_hooks worker thread imports the field types
 * but never compiles a pattern, and re2js costs each thread that loads it ~1.3 MB of heap.
 */
let re2: typeof RE2JS | undefined;
function RE2(): typeof RE2JS {
  // A synchronous load. On Bun the literal `require("re2js")` is what its bundler follows to
  // embed re2js in the single executable (Bun has `require` in ES modules); on Node,
  // createRequire (never a global `require`: a pb_hooks thread has the scripts' one there).
  re2 ??= (
    (isBun()
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
        require("re2js")
      : createRequire(import.meta.url)("re2js")) as { RE2JS: typeof RE2JS }
  ).RE2JS;
  return re2;
}

const cache = new Map<string, GoRegex | Error>();
const CACHE_LIMIT = 1000;

/** Compiles a Go regex; returns the Error (with Go's message) when it is invalid. */
export function compileGoRegex(pattern: string): GoRegex | Error {
  const cached = cache.get(pattern);
  if (cached) return cached;
  let result: GoRegex | Error;
  try {
    result = RE2().compile(pattern);
  } catch (err) {
    result = new Error(err instanceof Error ? err.message : `error parsing regexp: \`${pattern}\``);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, result);
  return result;
}

/**
 * Patterns checked on every create (the default record id pattern), matched by an equivalent
 * JS RegExp: the same language (a character class, no backtracking to blow up) at a fraction
 * of re2js' cost per match.
 */
const NATIVE: ReadonlyMap<string, RegExp> = new Map([["^[a-z0-9]+$", /^[a-z0-9]+$/]]);

/** Whether `value` contains a match of the Go regex `pattern` (false when it doesn't compile, as in PocketBase). */
export function matchesGoRegex(pattern: string, value: string): boolean {
  const native = NATIVE.get(pattern);
  if (native) return native.test(value);
  const re = compileGoRegex(pattern);
  return !(re instanceof Error) && re.matcher(value).find();
}
