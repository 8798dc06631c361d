// Field types, their labels and icons, and the keys offered by filter/rule autocomplete.
import type { CollectionField, CollectionModel } from "pocketbase";

export const FIELD_TYPES = [
  { type: "text", label: "Plain text", icon: "T" },
  { type: "editor", label: "Rich editor", icon: "¶" },
  { type: "number", label: "Number", icon: "#" },
  { type: "bool", label: "Bool", icon: "◩" },
  { type: "email", label: "Email", icon: "@" },
  { type: "url", label: "URL", icon: "↗" },
  { type: "date", label: "Datetime", icon: "◷" },
  { type: "autodate", label: "Autodate", icon: "⟳" },
  { type: "select", label: "Select", icon: "☰" },
  { type: "file", label: "File", icon: "▣" },
  { type: "relation", label: "Relation", icon: "⇄" },
  { type: "json", label: "JSON", icon: "{}" },
  { type: "geoPoint", label: "Geo Point", icon: "◎" },
  { type: "password", label: "Password", icon: "•" },
] as const;

export type FieldType = (typeof FIELD_TYPES)[number]["type"];

export function fieldIcon(type: string): string {
  return FIELD_TYPES.find((t) => t.type === type)?.icon ?? "?";
}

export function fieldLabel(type: string): string {
  return FIELD_TYPES.find((t) => t.type === type)?.label ?? type;
}

export const SYSTEM_COLLECTIONS = ["_superusers", "_externalAuths", "_mfas", "_otps", "_authOrigins"];

export function isMultiple(f: CollectionField): boolean {
  return (f.type === "select" || f.type === "file" || f.type === "relation") && Number(f.maxSelect) > 1;
}

/** Field keys of a collection, following relations (up to `depth` levels). */
export function fieldKeys(
  collection: CollectionModel,
  all: CollectionModel[],
  prefix = "",
  depth = 2,
): string[] {
  const keys: string[] = [];
  for (const f of collection.fields) {
    if (f.type === "password" || f.name === "tokenKey") continue;
    keys.push(prefix + f.name);
    if (["text", "editor", "email"].includes(f.type)) keys.push(prefix + f.name + ":lower");
    if (isMultiple(f)) keys.push(prefix + f.name + ":each", prefix + f.name + ":length");
    if (f.type === "relation" && depth > 0) {
      const target = all.find((c) => c.id === f.collectionId);
      if (target) keys.push(...fieldKeys(target, all, `${prefix}${f.name}.`, depth - 1));
    }
  }
  if (depth > 0 && !prefix) {
    for (const other of all) {
      for (const f of other.fields) {
        if (f.type === "relation" && f.collectionId === collection.id) {
          keys.push(`${other.name}_via_${f.name}`);
        }
      }
    }
  }
  return keys;
}

/** Every key an API rule may use: fields, `@request.*`, `@collection.*`. */
export function ruleKeys(collection: CollectionModel, all: CollectionModel[]): string[] {
  const keys = fieldKeys(collection, all);
  keys.push(
    "@request.context",
    "@request.method",
    "@request.headers.",
    "@request.query.",
    "@request.body.",
    "@request.auth.id",
    "@request.auth.collectionId",
    "@request.auth.collectionName",
  );
  for (const f of collection.fields) {
    if (f.name === "id" || f.type === "autodate") continue;
    keys.push(`@request.body.${f.name}`, `@request.body.${f.name}:isset`, `@request.body.${f.name}:changed`);
  }
  for (const c of all) {
    if (c.type === "auth" && !c.system) {
      for (const f of c.fields)
        if (f.type !== "password" && f.name !== "tokenKey") keys.push(`@request.auth.${f.name}`);
    }
    if (!c.system) for (const f of c.fields) keys.push(`@collection.${c.name}.${f.name}`);
  }
  keys.push("@now", "@todayStart", "@todayEnd", "@monthStart", "@monthEnd", "@yearStart", "@yearEnd");
  return [...new Set(keys)];
}

/** Suggestions for a word: keys starting with it, shortest first. */
export function suggestFrom(keys: string[]): (word: string) => string[] {
  return (word) =>
    keys
      .filter((k) => k.toLowerCase().startsWith(word.toLowerCase()))
      .sort((a, b) => a.length - b.length || a.localeCompare(b));
}

/** A plain search term becomes `f1 ~ "term" || f2 ~ "term"…`; text with an operator is kept. */
export function normalizeFilter(text: string, collection: CollectionModel): string {
  const t = text.trim();
  if (!t || /[=~<>]/.test(t)) return t;
  const quoted = JSON.stringify(t);
  const searchable = collection.fields.filter(
    (f) =>
      !f.hidden && ["text", "editor", "email", "url", "select", "json", "relation", "file"].includes(f.type),
  );
  if (!searchable.find((f) => f.name === "id")) searchable.unshift({ name: "id" } as CollectionField);
  return searchable.map((f) => `${f.name} ~ ${quoted}`).join(" || ");
}
