/**
 * Expected hook counts of records API scenarios, as PocketBase's own scenario tables state
 * them: `"*": 0` plus the hooks a list, view, create, update or delete fires.
 */

/** Hook name → times fired. */
export type Events = { [hook: string]: number };

/** Nothing may fire (the request was refused before any hook). */
export const NONE: Events = { "*": 0 };

/** A list request enriching `enrich` records (expanded ones included). */
export const listed = (enrich: number): Events => ({
  "*": 0,
  onRecordsListRequest: 1,
  onRecordEnrich: enrich,
});

/** A view request enriching `enrich` records. */
export const viewed = (enrich = 1): Events => ({ "*": 0, onRecordViewRequest: 1, onRecordEnrich: enrich });

type Action = "Create" | "Update" | "Delete";

/** The model + record hooks of `n` successful saves/deletes (no request hook). */
export function saved(action: Action, n = 1, validated = action !== "Delete"): Events {
  const out: Events = {
    [`onModel${action}`]: n,
    [`onModel${action}Execute`]: n,
    [`onModelAfter${action}Success`]: n,
    [`onRecord${action}`]: n,
    [`onRecord${action}Execute`]: n,
    [`onRecordAfter${action}Success`]: n,
  };
  if (validated) {
    out.onModelValidate = (out.onModelValidate ?? 0) + n;
    out.onRecordValidate = (out.onRecordValidate ?? 0) + n;
  }
  return out;
}

/** A successful create/update request answering one record (`enrich` with its expands). */
export const written = (action: "Create" | "Update", enrich = 1): Events => ({
  "*": 0,
  [`onRecord${action}Request`]: 1,
  ...saved(action),
  onRecordEnrich: enrich,
});

/** A create/update that failed field validation (no execute, after-error instead). */
export const invalid = (action: "Create" | "Update"): Events => ({
  "*": 0,
  [`onRecord${action}Request`]: 1,
  [`onModel${action}`]: 1,
  onModelValidate: 1,
  [`onModelAfter${action}Error`]: 1,
  [`onRecord${action}`]: 1,
  onRecordValidate: 1,
  [`onRecordAfter${action}Error`]: 1,
});

/** A create/update that passed validation but failed in the write (e.g. a unique index). */
export const failedWrite = (action: "Create" | "Update"): Events => ({
  ...invalid(action),
  [`onModel${action}Execute`]: 1,
  [`onRecord${action}Execute`]: 1,
});

/** Only the request hook (refused by the auth form rules before saving). */
export const requestOnly = (action: "Create" | "Update" | "Delete"): Events => ({
  "*": 0,
  [`onRecord${action}Request`]: 1,
});

/** A successful delete request: `deleted` records gone, `updated` references saved. */
export function deleted(deletedCount = 1, updated = 0): Events {
  return {
    "*": 0,
    onRecordDeleteRequest: 1,
    ...saved("Delete", deletedCount, false),
    ...(updated > 0 ? saved("Update", updated, false) : {}),
  };
}
