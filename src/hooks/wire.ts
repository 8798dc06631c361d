/**
 * What crosses the thread boundary between the main thread and a pb_hooks worker. Plain
 * structured-clone data only: no classes, no functions. The main thread converts its core models
 * to these shapes (src/hooks/ main side); the worker builds its script-facing objects
 * (src/hooks/globals/) from them and back.
 */

/** A collection as PocketBase exports it as JSON (id, name, type, system, rules, fields[], indexes,
 * created, updated, and for view/auth collections their options), with token secrets kept. */
export interface CollectionWire {
  [key: string]: unknown;
}

/** A pending upload held by the main thread; the worker only sees its handle and names. */
export interface FileWire {
  handle: string;
  name: string;
  originalName: string;
  size: number;
}

/**
 * A record with everything a script can observe or change on it. The members after `data` are
 * left out when empty (null, {}, [], false): an event's record rarely has any, and each one
 * costs both threads an object to clone and to build per message.
 */
export interface RecordWire {
  collection: CollectionWire;
  id: string;
  isNew: boolean;
  /** Field values in their stored shapes (strings, numbers, booleans, string arrays, JSON values,
   * dates as PocketBase date strings "2006-01-02 15:04:05.000Z"; a password field holds the hash). */
  data: { [field: string]: unknown };
  /** The values as last loaded or saved (absent or null for a new record). */
  original?: { [field: string]: unknown } | null;
  /** Plain passwords set on this instance, by field name. */
  plainPasswords?: { [field: string]: string };
  /** Keys that are not fields (`set("foo", 1)` on a record without a foo field). */
  custom?: { [key: string]: unknown };
  expand?: { [key: string]: RecordWire | RecordWire[] };
  hidden?: string[];
  unhidden?: string[];
  ignoreEmailVisibility?: boolean;
  withCustomData?: boolean;
  /** Pending uploads per file field. */
  unsavedFiles?: { [field: string]: FileWire[] };
}

/** `w` with its empty optional members left out (see RecordWire). */
export function compactRecordWire(w: RecordWire): RecordWire {
  const out: RecordWire = { collection: w.collection, id: w.id, isNew: w.isNew, data: w.data };
  if (w.original) out.original = w.original;
  if (w.plainPasswords && hasKeys(w.plainPasswords)) out.plainPasswords = w.plainPasswords;
  if (w.custom && hasKeys(w.custom)) out.custom = w.custom;
  if (w.expand && hasKeys(w.expand)) out.expand = w.expand;
  if (w.hidden?.length) out.hidden = w.hidden;
  if (w.unhidden?.length) out.unhidden = w.unhidden;
  if (w.ignoreEmailVisibility) out.ignoreEmailVisibility = true;
  if (w.withCustomData) out.withCustomData = true;
  if (w.unsavedFiles && hasKeys(w.unsavedFiles)) out.unsavedFiles = w.unsavedFiles;
  return out;
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** An error thrown on one side and rethrown on the other. */
export interface ErrorWire {
  /** "api": an ApiError (status, message, data); "validation": field errors (data is the tree);
   * "error": anything else (message only, and where it was thrown). */
  kind: "api" | "validation" | "error";
  status: number;
  message: string;
  data: { [key: string]: unknown };
  stack?: string;
}

/** The synchronous call channel a worker uses to reach the main thread. */
export interface SyncBridge {
  /** Runs `op` on the main thread and returns its result (structured-clone data); throws the
   * rebuilt error when the main thread answers with an ErrorWire. Blocks this worker only. */
  call(op: string, args: unknown[]): unknown;
}
