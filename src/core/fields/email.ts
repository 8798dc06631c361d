/** `email`: an email address, optionally restricted by domain (the text after the last `@`). */
import { errors, ValidationError, type ErrorTree } from "../../tools/validation.ts";
import { toGoString } from "./cast.ts";
import type { FieldBase, FieldType } from "./field.ts";
import { isDomain, isEmailFormat } from "./formats.ts";
import { baseProps, eachDomain, firstError, readBool, readString, readStringListOrNull } from "./options.ts";

/** An `email` field as stored in `_collections.fields` (domain lists are `null` when unset). */
export interface EmailField extends FieldBase {
  type: "email";
  help: string;
  exceptDomains: string[] | null;
  onlyDomains: string[] | null;
  required: boolean;
}

function domainNotAllowed(): ValidationError {
  return new ValidationError("validation_email_domain_not_allowed", "Email domain is not allowed.");
}

/** The exceptDomains/onlyDomains rules shared by email and url: mutually exclusive lists of domains. */
export function validateDomainLists(field: {
  exceptDomains: readonly string[] | null;
  onlyDomains: readonly string[] | null;
}): ErrorTree {
  const tree: ErrorTree = {};
  const hasExcept = (field.exceptDomains?.length ?? 0) > 0;
  const hasOnly = (field.onlyDomains?.length ?? 0) > 0;
  firstError(tree, "exceptDomains", () =>
    hasOnly && hasExcept ? errors.empty() : eachDomain(field.exceptDomains, isDomain),
  );
  firstError(tree, "onlyDomains", () =>
    hasExcept && hasOnly ? errors.empty() : eachDomain(field.onlyDomains, isDomain),
  );
  return tree;
}

/** The `email` field type. */
export const emailField = {
  type: "email",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "email",
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
    if (!isEmailFormat(value)) return errors.isEmail();
    const domain = value.slice(value.lastIndexOf("@") + 1);
    if (field.onlyDomains?.length && !field.onlyDomains.includes(domain)) return domainNotAllowed();
    if (field.exceptDomains?.length && field.exceptDomains.includes(domain)) return domainNotAllowed();
    return null;
  },

  validateSettings: (field) => validateDomainLists(field),
} satisfies FieldType<EmailField>;
