/**
 * PocketBase's Go → JS name mapping (jsvm-surface §1.8), used where a script object's property
 * names derive from Go names or shape keys (DynamicModel properties, plain-object constructors).
 */

/** Whole names with a fixed mapping. */
const EXCEPTIONS: { readonly [name: string]: string } = { OAuth2: "oauth2" };

/**
 * Maps a Go name to its JS name: `JSON` → `json`, `JSONField` → `jsonField`, `RequestInfo` →
 * `requestInfo`, `OAuth2` → `oauth2`, `miXeD` unchanged.
 */
export function goNameToJs(name: string): string {
  const exception = EXCEPTIONS[name];
  if (exception !== undefined) return exception;
  const upper = /^[A-Z0-9_]*/.exec(name)?.[0] ?? "";
  if (upper.length === 0) return name;
  if (upper.length === name.length) return name.toLowerCase();
  if (upper.length > 1) return upper.slice(0, -1).toLowerCase() + name.slice(upper.length - 1);
  return name.charAt(0).toLowerCase() + name.slice(1);
}
