/**
 * JSON responses exactly as PocketBase writes them: Go encoding (HTML-escaped, trailing
 * newline), `Content-Type: application/json` without charset, and the `?fields=` picker on
 * every 2xx body.
 */
import type { Context } from "./http/context.ts";
import { encodeJson, sortKeysDeep } from "../tools/json.ts";
import { pickFields, validatePickFields } from "../tools/picker.ts";
import { plainResponse } from "./http/plain-response.ts";

/** A JSON response; 2xx bodies honour `?fields=`. */
export function jsonResponse(c: Context, status: number, data: unknown): Response {
  let body = data;
  if (status >= 200 && status < 300) {
    const fields = c.req.query("fields");
    // PocketBase's picker re-decodes the body into plain maps, which Go encodes with sorted
    // keys: a picked body has its object keys sorted at every level.
    if (fields) {
      // An invalid modifier fails the response (400), as PocketBase's picker does.
      validatePickFields(fields);
      body = sortKeysDeep(pickFields(JSON.parse(JSON.stringify(data)) as unknown, fields));
    }
  }
  if (c.req.method === "HEAD") return plainResponse(null, status, { "content-type": "application/json" });
  // Go's trailing newline, with the length measured on the flat JSON (see plainResponse).
  const json = encodeJson(body);
  return plainResponse(
    json + "\n",
    status,
    { "content-type": "application/json" },
    Buffer.byteLength(json) + 1,
  );
}
