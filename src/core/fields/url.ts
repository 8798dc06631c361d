/** `url`: a URL (scheme optional, as govalidator accepts), optionally restricted by host. */
import { errors, ValidationError } from "../../tools/validation.ts";
import { toGoString } from "./cast.ts";
import { validateDomainLists } from "./email.ts";
import type { FieldBase, FieldType } from "./field.ts";
import { isUrl, urlHost } from "./formats.ts";
import { baseProps, readBool, readString, readStringListOrNull } from "./options.ts";

/** A `url` field as stored in `_collections.fields` (domain lists are `null` when unset). */
export interface UrlField extends FieldBase {
  type: "url";
  help: string;
  exceptDomains: string[] | null;
  onlyDomains: string[] | null;
  required: boolean;
}

function domainNotAllowed(): ValidationError {
  return new ValidationError("validation_url_domain_not_allowed", "Url domain is not allowed.");
}

/** The `url` field type. */
export const urlField = {
  type: "url",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "url",
      help: readString(raw, "help"),
      exceptDomains: readStringListOrNull(raw, "exceptDomains"),
      onlyDomains: readStringListOrNull(raw, "onlyDomains"),
      required: readBool(raw, "required"),
    };
  },

  columnType: () => "TEXT DEFAULT '' NOT NULL",

  isMultiple: () => false,

  prepareValue: (_field, raw) => toGoString(raw),

  toDbValue: (_field, value) => toGoString(value),

  toJson: (_field, value) => (typeof value === "string" ? value : ""),

  async validateValue(field, value) {
    if (typeof value !== "string") return errors.unsupportedValueType();
    if (value === "") return field.required ? errors.required() : null;
    if (!isUrl(value)) return new ValidationError("validation_invalid_url", "Must be a valid url.");
    // The host as Go's url.Parse sees it (with port; empty for scheme-less values).
    const host = urlHost(value);
    if (field.onlyDomains?.length && !field.onlyDomains.includes(host)) return domainNotAllowed();
    if (field.exceptDomains?.length && field.exceptDomains.includes(host)) return domainNotAllowed();
    return null;
  },

  validateSettings: (field) => validateDomainLists(field),
} satisfies FieldType<UrlField>;
