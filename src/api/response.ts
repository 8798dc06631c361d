/**
 * JSON responses exactly as PocketBase writes them: Go encoding (HTML-escaped, trailing
 * newline), `Content-Type: application/json` without charset, and the `?fields=` picker on
 * every 2xx body.
 */
import type { Context } from "hono";
import { encodeJsonBody } from "../tools/json.ts";
import { pickFields } from "../tools/picker.ts";

/** A JSON response; 2xx bodies honour `?fields=`. */
export function jsonResponse(c: Context, status: number, data: unknown): Response {
  let body = data;
  if (status >= 200 && status < 300) {
    const fields = c.req.query("fields");
    if (fields) body = pickFields(JSON.parse(JSON.stringify(data)) as unknown, fields);
  }
  return new Response(c.req.method === "HEAD" ? null : encodeJsonBody(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
