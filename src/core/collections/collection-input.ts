/**
 * Building a collection from submitted JSON: a create starts from the type's scaffold, an
 * update from the stored collection, and the body is merged in with PocketBase's semantics
 * (nested options merged, omitted secrets kept, `fields` replaced as a list of fresh fields
 * where a field without id takes over the id of the stored field with the same name).
 */
import { normalizeField, type Field } from "../fields/registry.ts";
import { newCollection } from "./collection-defaults.ts";
import { mergeAuthOptions } from "./collection-json.ts";
import {
  AUTH_KEYS,
  RULE_KEYS,
  cloneCollection,
  type Collection,
  type CollectionType,
} from "./collection-model.ts";

type Obj = { [key: string]: unknown };
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function mergeFields(existing: readonly Field[], raw: unknown): Field[] | string {
  if (!Array.isArray(raw)) return "Must be an array of fields.";
  const out: Field[] = [];
  // Stored fields the body sends with their id: a same-named field without id is a new one.
  const sentIds = new Set(raw.map((item) => (isObj(item) && typeof item.id === "string" ? item.id : "")));
  for (const item of raw) {
    if (!isObj(item)) {
      out.push(normalizeField({ type: "__invalid__" }));
      continue;
    }
    let id = typeof item.id === "string" ? item.id : "";
    const name = typeof item.name === "string" ? item.name : "";
    // A field sent without id keeps the id of the stored field of that name, so a rename-free
    // update never drops and re-adds its column (PocketBase would treat it as a new field),
    // unless that stored field is sent too: then this one is new and gets a fresh id on save,
    // so its errors (a duplicated name) are reported at its own index. A field of another type
    // is new as well (PocketBase's reading: a fresh id, so no "type change" error).
    const type = typeof item.type === "string" ? item.type : "";
    const previous = id
      ? undefined
      : existing.find((f) => f.name === name && f.type === type && !sentIds.has(f.id));
    if (!id && previous) id = previous.id;
    // Every submitted field is decoded into a fresh field of its type, as PocketBase's
    // FieldsList does: options omitted in the body take their defaults, not the stored values.
    out.push(normalizeField({ ...item, id }));
  }
  return out;
}

/** The result of applying a body: the collection, plus input-shape errors keyed by property. */
export interface CollectionInput {
  collection: Collection;
  /** Shape errors found while reading the body (e.g. `fields` not being a list). */
  shapeErrors: { [key: string]: string };
}

/** Applies a create/update body onto `base` (a scaffold for creates, the stored collection for updates). */
export function applyCollectionBody(base: Collection, body: Obj): CollectionInput {
  const c = cloneCollection(base);
  const shapeErrors: { [key: string]: string } = {};
  if (typeof body.id === "string" && base.id === "") c.id = body.id;
  if ("name" in body) c.name = typeof body.name === "string" ? body.name : "";
  if (typeof body.system === "boolean") c.system = body.system;
  for (const key of RULE_KEYS) {
    if (key in body) {
      const v = body[key];
      c[key] = v === null ? null : typeof v === "string" ? v : JSON.stringify(v);
    }
  }
  if ("fields" in body) {
    const fields = mergeFields(base.fields, body.fields);
    if (typeof fields === "string") shapeErrors.fields = fields;
    else c.fields = fields;
  }
  if ("indexes" in body) {
    if (Array.isArray(body.indexes))
      c.indexes = body.indexes.map((i) => (typeof i === "string" ? i : String(i)));
    else if (body.indexes === null) c.indexes = [];
    else shapeErrors.indexes = "Must be an array of strings.";
  }
  if (c.type === "auth" && c.auth) {
    const options: Obj = {};
    for (const key of AUTH_KEYS) if (key in body) options[key] = body[key];
    c.auth = mergeAuthOptions(c.auth, options);
  }
  if (c.type === "view" && "viewQuery" in body) {
    c.viewQuery = typeof body.viewQuery === "string" ? body.viewQuery : "";
  }
  return { collection: c, shapeErrors };
}

/** A new collection from a create body: the type's scaffold, then the body merged in. */
export function collectionFromCreateBody(body: Obj): CollectionInput & { typeError?: string } {
  const rawType = body.type ?? "base";
  const type: CollectionType = rawType === "auth" || rawType === "view" ? rawType : "base";
  const scaffold = newCollection(type, typeof body.name === "string" ? body.name : "");
  const input = applyCollectionBody(scaffold, body);
  if (rawType !== "base" && rawType !== "auth" && rawType !== "view") {
    return { ...input, typeError: "Must be a valid value." };
  }
  return input;
}
