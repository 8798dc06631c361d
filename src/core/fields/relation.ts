/** `relation`: one record id (maxSelect ≤ 1) or a list of ids of another collection. */
import { errors, ValidationError, type ErrorTree } from "../../tools/validation.ts";
import type { FieldBase, FieldType, SettingsContext } from "./field.ts";
import {
  applyMultiModifier,
  isMultiValued,
  multiColumnType,
  multiToDb,
  multiToJson,
  multiValues,
  prepareMulti,
} from "./multi.ts";
import { baseProps, checkMin, firstError, readBool, readNumber, readString } from "./options.ts";

/** A `relation` field as stored in `_collections.fields`. */
export interface RelationField extends FieldBase {
  type: "relation";
  help: string;
  /** Id of the related collection (immutable once created). */
  collectionId: string;
  /** Delete this record when its last related record is deleted. */
  cascadeDelete: boolean;
  /** Minimum number of ids (0 = none). */
  minSelect: number;
  /** 0 or 1 = single id, more = a list of at most that many. */
  maxSelect: number;
  required: boolean;
}

function checkCollectionId(field: RelationField, ctx: SettingsContext): ValidationError | null {
  if (field.collectionId === "") return errors.required();
  const old = ctx.oldField;
  if (old?.type === "relation" && "collectionId" in old && old.collectionId !== field.collectionId) {
    return new ValidationError(
      "validation_field_relation_change",
      "The relation collection cannot be changed.",
    );
  }
  const target = ctx.findCollectionById(field.collectionId);
  if (!target || target.id !== field.collectionId) {
    return new ValidationError(
      "validation_field_relation_missing_collection",
      "The relation collection doesn't exist.",
    );
  }
  // Views may relate to views, other collections may not (a view has no stable rows to cascade).
  if (ctx.collection.type !== "view" && target.type === "view") {
    return new ValidationError(
      "validation_relation_field_non_view_base_collection",
      "Only view collections are allowed to have relations to other views.",
    );
  }
  return null;
}

/** The `relation` field type. */
export const relationField = {
  type: "relation",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "relation",
      help: readString(raw, "help"),
      collectionId: readString(raw, "collectionId"),
      cascadeDelete: readBool(raw, "cascadeDelete"),
      minSelect: readNumber(raw, "minSelect"),
      maxSelect: readNumber(raw, "maxSelect"),
      required: readBool(raw, "required"),
    };
  },

  columnType: multiColumnType,

  isMultiple: isMultiValued,

  prepareValue: prepareMulti,

  toDbValue: multiToDb,

  toJson: multiToJson,

  async validateValue(field, value, ctx) {
    const ids = multiValues(value);
    if (ids.length === 0) return field.required ? errors.required() : null;
    if (field.minSelect > 0 && ids.length < field.minSelect) {
      return new ValidationError("validation_not_enough_values", `Select at least ${field.minSelect}.`, {
        minSelect: field.minSelect,
      });
    }
    const maxSelect = Math.max(field.maxSelect, 1);
    if (ids.length > maxSelect) {
      return new ValidationError("validation_too_many_values", `Select no more than ${maxSelect}.`, {
        maxSelect,
      });
    }
    let found: number;
    try {
      found = await ctx.data.countExistingIds(field.collectionId, ids);
    } catch {
      return new ValidationError(
        "validation_missing_rel_collection",
        "Relation connection is missing or cannot be accessed.",
      );
    }
    if (found !== ids.length) {
      return new ValidationError(
        "validation_missing_rel_records",
        "Failed to find all relation records with the provided ids.",
      );
    }
    return null;
  },

  validateSettings(field, ctx) {
    const tree: ErrorTree = {};
    firstError(tree, "collectionId", () => checkCollectionId(field, ctx));
    firstError(tree, "minSelect", () => checkMin(field.minSelect, 0));
    firstError(
      tree,
      "maxSelect",
      () => (field.minSelect > 0 && field.maxSelect === 0 ? errors.required() : null),
      () => checkMin(field.maxSelect, field.minSelect),
    );
    return tree;
  },

  applyModifier: applyMultiModifier,
} satisfies FieldType<RelationField>;
