/**
 * The 14 field types, keyed by their `type` string, plus the helpers that work on any field:
 * normalising raw JSON, automatic ids and the stored/API JSON form.
 */
import { autodateField, type AutodateField } from "./autodate.ts";
import { boolField, type BoolField } from "./bool.ts";
import { dateField, type DateField } from "./date.ts";
import { editorField, type EditorField } from "./editor.ts";
import { emailField, type EmailField } from "./email.ts";
import type { FieldType } from "./field.ts";
import { fileField, type FileField } from "./file.ts";
import { geoPointField, type GeoPointField } from "./geo-point.ts";
import { jsonField, type JsonField } from "./json.ts";
import { numberField, type NumberField } from "./number.ts";
import { baseProps, readString } from "./options.ts";
import { passwordField, type PasswordField } from "./password.ts";
import { relationField, type RelationField } from "./relation.ts";
import { selectField, type SelectField } from "./select.ts";
import { textField, type TextField } from "./text.ts";
import { urlField, type UrlField } from "./url.ts";

/** Automatic field ids: `type + crc32(name)`, e.g. `text3208210256` for `id`. */
export { newFieldId } from "./options.ts";

/** Any field, discriminated by `type`. */
export type Field =
  | TextField
  | EditorField
  | NumberField
  | BoolField
  | EmailField
  | UrlField
  | DateField
  | AutodateField
  | SelectField
  | FileField
  | RelationField
  | JsonField
  | PasswordField
  | GeoPointField;

/** A known field `type` string. */
export type FieldTypeName = Field["type"];

/** Every field type by name (a `Record` over the union, so a new type cannot be forgotten). */
export const fieldTypes: { readonly [K in FieldTypeName]: FieldType<Extract<Field, { type: K }>> } = {
  text: textField,
  editor: editorField,
  number: numberField,
  bool: boolField,
  email: emailField,
  url: urlField,
  date: dateField,
  autodate: autodateField,
  select: selectField,
  file: fileField,
  relation: relationField,
  json: jsonField,
  password: passwordField,
  geoPoint: geoPointField,
};

/** The same, as a Map. Each entry handles exactly its own variant of the union; callers pass matching fields. */
const FIELD_TYPES_BY_NAME: ReadonlyMap<string, FieldType<Field>> = new Map(
  Object.entries(fieldTypes) as [string, FieldType<Field>][],
);

/** Whether `type` names a field type. */
export function hasFieldType(type: string): type is FieldTypeName {
  return Object.hasOwn(fieldTypes, type);
}

/**
 * The behaviour of a field type. Throws for an unknown type (check with `hasFieldType` first
 * when the type comes from input).
 */
export function getFieldType(type: string): FieldType<Field> {
  // A Map look-up: this runs for every field of every record read (`Object.hasOwn` + an
  // indexed read was ~8 % of building a record from its row).
  const found = FIELD_TYPES_BY_NAME.get(type);
  if (found === undefined) throw new Error(`Unknown field type "${type}".`);
  return found;
}

/**
 * Builds a complete field from raw JSON (a stored row or an API body) with every option's
 * default. Never throws: a missing or unknown `type` yields a field with only the common
 * properties and that type, which the collection validator reports on `fields.N.type`
 * (`hasFieldType` is false for it).
 */
export function normalizeField(raw: Readonly<Record<string, unknown>>): Field {
  const type = readString(raw, "type");
  if (hasFieldType(type)) return fieldTypes[type].normalize(raw);
  const unknown = { ...baseProps(raw), type, help: readString(raw, "help") };
  return unknown as unknown as Field;
}

/**
 * The stored / API JSON object of a field: keys sorted alphabetically, `help` left out on
 * autodate fields, exactly as PocketBase writes `_collections.fields`.
 */
export function fieldToJson(field: Field): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries = Object.entries(field).filter(
    ([key, value]) => value !== undefined && !(key === "help" && field.type === "autodate"),
  );
  for (const [key, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[key] = value;
  return out;
}
