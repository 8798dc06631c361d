/**
 * Test helper (used by the field tests only): in-memory `ValueContext` and `SettingsContext`
 * with just enough state to exercise every validation branch.
 */
import type { CollectionInfo, FieldBase, SettingsContext, ValueContext } from "./field.ts";

/** Options of `valueContext`. */
export interface ValueContextOptions {
  isNew?: boolean;
  collectionId?: string;
  /** Original (stored) values by field name, for updates. */
  original?: Record<string, unknown>;
  /** Existing record ids by collection id; a missing collection makes counting reject. */
  existing?: Record<string, readonly string[]>;
}

/** A value-validation context over in-memory records. */
export function valueContext(options: ValueContextOptions = {}): ValueContext {
  const existing = options.existing ?? {};
  return {
    record: {
      isNew: options.isNew ?? true,
      collectionId: options.collectionId ?? "col1",
      collectionName: "posts",
      get: () => undefined,
      original: (name) => options.original?.[name],
    },
    data: {
      countExistingIds(collectionId, ids) {
        const known = existing[collectionId];
        if (!known) return Promise.reject(new Error(`no collection ${collectionId}`));
        return Promise.resolve(ids.filter((id) => known.includes(id)).length);
      },
      idExistsCaseInsensitive(collectionId, id) {
        const known = existing[collectionId] ?? [];
        return Promise.resolve(known.some((k) => k.toLowerCase() === id.toLowerCase()));
      },
    },
  };
}

/** A collection description for settings validation. */
export function collectionInfo(partial: Partial<CollectionInfo> = {}): CollectionInfo {
  return { id: "col1", name: "posts", type: "base", system: false, fields: [], indexes: [], ...partial };
}

/** Options of `settingsContext`. */
export interface SettingsContextOptions {
  collection?: Partial<CollectionInfo>;
  oldCollection?: CollectionInfo | null;
  oldField?: FieldBase | null;
  /** Other stored collections, found by id. */
  others?: readonly CollectionInfo[];
}

/** A settings-validation context. */
export function settingsContext(options: SettingsContextOptions = {}): SettingsContext {
  const collection = collectionInfo(options.collection);
  return {
    collection,
    oldCollection: options.oldCollection ?? null,
    oldField: options.oldField ?? null,
    findCollectionById: (id) =>
      id === collection.id ? collection : ((options.others ?? []).find((c) => c.id === id) ?? null),
  };
}

/** The `{code, params}` of a validation result (or null), for compact assertions. */
export function codeOf(err: { code: string } | null): string | null {
  return err ? err.code : null;
}

/** A settings error tree reduced to `{key: code}` (nested trees keep their shape). */
export function treeCodes(tree: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    out[key] = value instanceof Error && "code" in value ? value.code : treeCodes(value as object);
  }
  return out;
}
