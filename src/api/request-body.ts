/**
 * Request body binding (§0): JSON, multipart and urlencoded forms into one plain object.
 * Form values are type-inferred like PocketBase (`"true"` → true, `"12"` → 12, repeated keys →
 * arrays) and a multipart `@jsonPayload` field is merged in as-is. Anything else is a 400.
 */
import type { Context } from "hono";
import { badRequest } from "./errors.ts";
import type { ApiEnv } from "./env.ts";

type Body = { [key: string]: unknown };

/** Infers the type of a form value as PocketBase does. */
export function inferFormValue(raw: string): unknown {
  if (raw === "") return "";
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) {
    const n = Number(raw);
    // Only when the shortest float formatting gives the input back (so "007" stays a string).
    if (Number.isFinite(n) && String(n) === raw) return n;
  }
  return raw;
}

function addValue(out: Body, key: string, value: unknown): void {
  if (key in out) {
    const prev = out[key];
    out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  } else out[key] = value;
}

/** Reads and caches the body of a request; files of multipart bodies are kept as File values. */
export async function readBody(c: Context<ApiEnv>): Promise<Body> {
  const cached = c.get("body");
  if (cached) return cached;
  const body = await parseBody(c);
  c.set("body", body);
  return body;
}

async function parseBody(c: Context<ApiEnv>): Promise<Body> {
  const req = c.req.raw;
  if (req.headers.get("content-length") === "0" || !req.body) return {};
  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  if (type.startsWith("application/json")) {
    const text = await req.text();
    if (text.trim() === "") return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw badRequest("Failed to load the submitted data due to invalid formatting.");
    }
    if (parsed === null) return {};
    if (typeof parsed !== "object" || Array.isArray(parsed)) {
      throw badRequest("Failed to load the submitted data due to invalid formatting.");
    }
    return parsed as Body;
  }
  if (type.startsWith("multipart/form-data") || type.startsWith("application/x-www-form-urlencoded")) {
    let form: FormData;
    try {
      form = await req.formData();
    } catch {
      throw badRequest("Failed to load the submitted data due to invalid formatting.");
    }
    const out: Body = {};
    let payload: unknown;
    for (const [key, value] of form.entries()) {
      if (key === "@jsonPayload" && typeof value === "string") {
        try {
          payload = JSON.parse(value);
        } catch {
          throw badRequest("Failed to load the submitted data due to invalid formatting.");
        }
        continue;
      }
      addValue(out, key, typeof value === "string" ? inferFormValue(value) : value);
    }
    if (payload && typeof payload === "object" && !Array.isArray(payload)) Object.assign(out, payload);
    return out;
  }
  if (type.startsWith("text/xml") || type.startsWith("application/xml")) {
    throw badRequest("Unsupported Content-Type.");
  }
  throw badRequest("Unsupported Content-Type.");
}
