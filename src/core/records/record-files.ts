/**
 * Record files (pocketbase core/field_file.go, apis/record_crud.go `recordDataFromRequest`):
 * uploads loaded from a request body, PocketBase's replace/append/remove semantics, validation of
 * new uploads, writing them during the save and deleting replaced files after commit.
 *
 * A file field's record value only ever holds names. The uploads of a record that are not saved
 * yet live beside it (a WeakMap keyed by the record), under the normalised names that are already
 * in its value, so rules, hooks and validation see the final list of names:
 *
 *   POST multipart `files` = [old.txt (string), a.png (file)] on a record holding [old.txt, b.txt]
 *   → value [old.txt, a_k3j9x0a1b2.png]; pending upload a_k3j9x0a1b2.png; b.txt deleted after commit
 *
 * Uploads are written inside the record's execute step, right before its INSERT/UPDATE (outside
 * the write lock unless the caller holds a transaction): a failed write deletes them again, and
 * replaced or removed files (with their `thumbs_<file>/`) are deleted only once the save has
 * succeeded (after the commit of the caller's transaction, if any). A save that fails later, or
 * whose transaction rolls back, deletes its new files and keeps the old ones.
 */
import {
  normalizeFileName,
  metadataOriginalName,
  needsSniffedExtension,
  uploadBaseName,
  checkFileName,
} from "../../files/file-names.ts";
import { detectMime, mimeTypeAllowed, SNIFF_BYTES } from "../../files/mime.ts";
import {
  collectionPrefix,
  recordFileKey,
  recordPrefix,
  ORIGINAL_FILENAME_METADATA,
  StorageError,
  type Storage,
} from "../../files/storage.ts";
import { thumbsPrefix } from "../../files/thumbs.ts";
import { ValidationError, ValidationErrors, type ErrorTree } from "../../tools/validation.ts";
import { quoteIdent } from "../db/database.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import { parseSelect, type ColumnRef } from "../collections/sql-select-parser.ts";
import { fileMaxSelect, fileMaxSize, type FileField } from "../fields/file.ts";
import { toUniqueStrings } from "../fields/cast.ts";
import { parseBodyKey } from "./record-body.ts";
import { Record } from "./record.ts";

/** A new file for a record, not stored yet. */
export interface UploadedFile {
  /** The normalised name it will be stored under (`photo_k3j9x0a1b2.png`). */
  name: string;
  /** The name the client sent (base name only), kept as `original-filename` metadata. */
  originalName: string;
  size: number;
  /** The sniffed content type it will be stored with (`image/png`, `text/plain; charset=utf-8`). */
  contentType: string;
  /** The content. */
  blob: Blob;
}

/** A file field value while it is being resolved: stored names and new uploads. */
type FileItem = string | UploadedFile;

interface RecordFileState {
  /** Uploads per field name (only those still in the record's value get written). */
  pending: Map<string, UploadedFile[]>;
  /** Keys written by the current save, deleted again if it fails. */
  written: string[];
  /** Stored names the current save dropped, deleted once it has succeeded. */
  removed: string[];
}

const states = new WeakMap<Record, RecordFileState>();

function stateOf(record: Record): RecordFileState {
  let state = states.get(record);
  if (!state) {
    state = { pending: new Map(), written: [], removed: [] };
    states.set(record, state);
  }
  return state;
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== "undefined" && value instanceof Blob;
}

/** Whether a multipart part came with a file name (only those are uploads). */
function hasFileName(blob: Blob): boolean {
  return !("name" in blob) || (typeof blob.name === "string" && blob.name !== "");
}

/**
 * Turns an uploaded blob into a pending file: sniffs its type from the first bytes and derives the
 * stored name from its (base) file name, as PocketBase's `filesystem.NewFileFromMultipart` does.
 */
export async function prepareUpload(blob: Blob, filename?: string): Promise<UploadedFile> {
  const raw = filename ?? ("name" in blob && typeof blob.name === "string" ? blob.name : "");
  const originalName = uploadBaseName(raw);
  const head = new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer());
  const type = await detectMime(head);
  const name = normalizeFileName(originalName, needsSniffedExtension(originalName) ? type.ext : "");
  return { name, originalName, size: blob.size, contentType: type.mime, blob };
}

function itemName(item: FileItem): string {
  return typeof item === "string" ? item : item.name;
}

/** PocketBase's `toSliceValue`: names and uploads, strings cast like any list value, unique by name. */
function toItems(value: unknown): FileItem[] {
  const items: FileItem[] = [];
  const add = (v: unknown): void => {
    if (isUploaded(v)) items.push(v);
    else for (const s of toUniqueStrings(v)) items.push(s);
  };
  if (Array.isArray(value)) for (const v of value) add(v);
  else add(value);
  return uniqueItems(items);
}

function isUploaded(value: unknown): value is UploadedFile {
  return typeof value === "object" && value !== null && "blob" in value && isBlob(value.blob);
}

function uniqueItems(items: readonly FileItem[]): FileItem[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const name = itemName(item);
    if (name === "" || seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}

/** `normalizeValue`: the list for multiple fields, the last item for single ones. */
function normalizeItems(field: FileField, items: readonly FileItem[]): FileItem[] {
  const unique = uniqueItems(items);
  if (fileMaxSelect(field) > 1) return unique;
  const last = unique.at(-1);
  return last === undefined ? [] : [last];
}

function excludeItems(base: readonly FileItem[], remove: readonly FileItem[]): FileItem[] {
  const names = new Set(remove.map(itemName));
  return base.filter((item) => !names.has(itemName(item)));
}

/** The record's current value of a field as items, pending uploads included. */
function currentItems(record: Record, field: FileField): FileItem[] {
  const uploads = new Map((stateOf(record).pending.get(field.name) ?? []).map((u) => [u.name, u]));
  return toUniqueStrings(record.get(field.name)).map((name) => uploads.get(name) ?? name);
}

/**
 * PocketBase's `Record.ReplaceModifiers` for the file fields: applies `field`, `+field`,
 * `field+` and `field-` keys (shorter keys first) to a copy of the current values and returns
 * the resolved value of each field touched.
 */
function replaceModifiers(
  record: Record,
  fields: ReadonlyMap<string, FileField>,
  data: ReadonlyMap<string, unknown>,
): Map<string, FileItem[]> {
  const values = new Map<string, FileItem[]>();
  const keys = [...data.keys()].sort((a, b) => a.length - b.length);
  for (const key of keys) {
    const { field: name, modifier } = parseBodyKey(key);
    const field = fields.get(name);
    if (!field || modifier === "autogenerate") continue;
    const current = values.get(name) ?? currentItems(record, field);
    const given = toItems(data.get(key));
    let next: FileItem[];
    if (modifier === "append") next = [...current, ...given];
    else if (modifier === "prepend") next = [...given, ...current];
    else if (modifier === "subtract") next = excludeItems(current, given);
    else next = given;
    values.set(name, normalizeItems(field, next));
  }
  return values;
}

/** Sets a field's value from items and remembers its uploads. */
function setItems(record: Record, field: FileField, items: readonly FileItem[]): void {
  record.set(
    field.name,
    items.map((item) => itemName(item)),
  );
  const uploads = items.filter((item): item is UploadedFile => typeof item !== "string");
  const state = stateOf(record);
  if (uploads.length > 0) state.pending.set(field.name, uploads);
  else state.pending.delete(field.name);
}

/** Options of `loadRecordFiles`. */
export interface LoadFilesOptions {
  /** Superusers may change hidden file fields. */
  isSuperuser: boolean;
}

/**
 * Applies the file-field keys of a create/update body to a record (`field`, `+field`, `field+`,
 * `field-`; files as Blob/File values, as multipart bodies are parsed) and returns the resolved
 * names per field for `@request.body`. Follows PocketBase: plain string keys are resolved first;
 * then uploads under `field` replace the value, keeping the names sent again under the same key
 * (so re-sending existing names keeps those files), and uploads under `field+` / `+field` are
 * appended / prepended. Files sent under other keys are ignored.
 */
export async function loadRecordFiles(
  record: Record,
  body: { readonly [key: string]: unknown },
  options: LoadFilesOptions,
): Promise<{ [field: string]: unknown }> {
  const fields = new Map<string, FileField>();
  for (const field of record.collection.fields) {
    if (field.type !== "file") continue;
    if (field.hidden && !options.isSuperuser) continue;
    fields.set(field.name, field);
  }
  if (fields.size === 0) return {};

  // Split each relevant key into its plain values (what Go's form binding sees) and its files.
  const strings = new Map<string, unknown>();
  const files = new Map<string, Blob[]>();
  for (const [key, value] of Object.entries(body)) {
    const { field, modifier } = parseBodyKey(key);
    if (!fields.has(field) || modifier === "autogenerate") continue;
    let list: unknown[] = Array.isArray(value) ? value : [value];
    // a part without a file name is a plain value in Go's multipart reader (e.g. an empty
    // file input of an HTML form): its content, usually ""
    if (list.some((v) => isBlob(v) && !hasFileName(v))) {
      list = await Promise.all(list.map((v) => (isBlob(v) && !hasFileName(v) ? v.text() : v)));
    }
    const blobs = list.filter(isBlob);
    if (blobs.length === 0) {
      strings.set(key, Array.isArray(value) ? list : list[0]);
      continue;
    }
    const rest = list.filter((v) => !isBlob(v));
    if (rest.length > 0) strings.set(key, Array.isArray(value) ? rest : rest[0]);
    if (modifier === null || modifier === "append" || modifier === "prepend") files.set(key, blobs);
  }

  let resolved = replaceModifiers(record, fields, strings);
  if (files.size > 0) {
    const data = new Map<string, unknown>();
    for (const [name, items] of resolved) data.set(name, items);
    for (const [key, blobs] of files) {
      const uploaded: FileItem[] = [];
      if (parseBodyKey(key).modifier === null && strings.has(key)) {
        uploaded.push(...toUniqueStrings(strings.get(key)));
      }
      for (const blob of blobs) uploaded.push(await prepareUpload(blob));
      data.set(key, uploaded);
    }
    resolved = replaceModifiers(record, fields, data);
  }

  const out: { [field: string]: unknown } = {};
  for (const [name, items] of resolved) {
    const field = fields.get(name);
    if (!field) continue;
    setItems(record, field, items);
    out[name] = record.get(name);
  }
  return out;
}

/**
 * Sets a file field's pending uploads from code (files a pb_hooks script attached): the record's
 * value must name them (as `setItems` does for request bodies) for a save to store them.
 */
export function setPendingUploads(record: Record, fieldName: string, uploads: UploadedFile[]): void {
  const state = stateOf(record);
  if (uploads.length > 0) state.pending.set(fieldName, uploads);
  else state.pending.delete(fieldName);
}

/** The uploads of a record still waiting to be stored (those present in its field values). */
export function pendingUploads(record: Record): { field: FileField; file: UploadedFile }[] {
  const state = states.get(record);
  if (!state) return [];
  const out: { field: FileField; file: UploadedFile }[] = [];
  for (const field of record.collection.fields) {
    if (field.type !== "file") continue;
    const names = new Set(toUniqueStrings(record.get(field.name)));
    for (const file of state.pending.get(field.name) ?? [])
      if (names.has(file.name)) out.push({ field, file });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation

/** `validation_file_size_limit`, PocketBase's message and params. */
function sizeError(file: UploadedFile, maxSize: number): ValidationError {
  return new ValidationError(
    "validation_file_size_limit",
    "Failed to upload {file} - the maximum allowed file size is {maxSize} bytes.",
    { file: file.originalName, maxSize },
  );
}

/** `validation_invalid_mime_type`, PocketBase's message (it names the stored file). */
function mimeError(file: UploadedFile, allowed: readonly string[]): ValidationError {
  return new ValidationError(
    "validation_invalid_mime_type",
    `${JSON.stringify(file.name)} mime type must be one of: ${allowed.join(", ")}.`,
  );
}

/** The first problem of a file field's value (PocketBase's order), or null. */
function validateFileField(record: Record, field: FileField): ValidationError | null {
  const names = toUniqueStrings(record.get(field.name));
  if (names.length === 0) return null; // `required` is the field type's check
  const uploads = new Map((stateOf(record).pending.get(field.name) ?? []).map((u) => [u.name, u]));

  // names that are neither new uploads nor already stored are refused
  const old = new Set(record.isNew ? [] : toUniqueStrings(record.original(field.name)));
  const added = names.filter((n) => !uploads.has(n) && !old.has(n));
  if (added.length > 0) {
    const invalidFiles = added.map((n) => (n.length > 250 ? n.slice(0, 250) : n));
    return new ValidationError("validation_invalid_file", `Invalid new files: [${invalidFiles.join(" ")}].`, {
      invalidFiles,
    });
  }

  const maxSelect = fileMaxSelect(field);
  if (names.length > maxSelect) {
    return new ValidationError("validation_too_many_files", `The maximum allowed files is ${maxSelect}.`, {
      maxSelect,
    });
  }

  const maxSize = fileMaxSize(field);
  const mimeTypes = field.mimeTypes ?? [];
  for (const name of names) {
    const upload = uploads.get(name);
    if (!upload) continue;
    const nameError = checkFileName(upload.name);
    if (nameError) return nameError;
    if (upload.size > maxSize) return sizeError(upload, maxSize);
    if (mimeTypes.length > 0 && !mimeTypeAllowed(upload.contentType, mimeTypes)) {
      return mimeError(upload, mimeTypes);
    }
  }
  return null;
}

/**
 * Adds the file checks of every file field to a record's error tree: names that are neither
 * stored nor uploaded (`validation_invalid_file`), too many files, and each new upload's name,
 * size (`validation_file_size_limit`) and type (`validation_invalid_mime_type`). A found problem
 * replaces the field type's own error for that field (PocketBase checks in this order).
 */
export function validateRecordFiles(record: Record, tree: ErrorTree): void {
  for (const field of record.collection.fields) {
    if (field.type !== "file") continue;
    const err = validateFileField(record, field);
    if (err) tree[field.name] = err;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing and deleting

/** Deletes record files by name, each with its thumbs; returns the failures. */
export async function deleteRecordFiles(
  storage: Storage,
  collectionId: string,
  recordId: string,
  names: readonly string[],
): Promise<Error[]> {
  const failures: Error[] = [];
  for (const name of new Set(names)) {
    if (name === "" || name.includes("/") || name.includes("\\")) continue; // not a plain file name
    try {
      const key = recordFileKey(collectionId, recordId, name);
      await storage.delete(key);
      failures.push(...(await storage.deletePrefix(thumbsPrefix(key))));
    } catch (err) {
      failures.push(err instanceof Error ? err : new Error(String(err)));
    }
  }
  return failures;
}

async function deleteKeys(storage: Storage, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    try {
      await storage.delete(key);
    } catch (err) {
      console.error(`Failed to clean up the uploaded file ${key}:`, err);
    }
  }
}

/**
 * A field error for an upload the storage refused or failed to write, naming the file and the
 * storage's reason (the client gets a 400 that says which field and why).
 */
function uploadRefused(
  upload: { field: FileField; file: UploadedFile },
  err: StorageError,
): ValidationErrors {
  const reason = err.code === "io" ? "the storage could not write it" : err.message.replace(/\.$/, "");
  const message = `Failed to upload ${JSON.stringify(upload.file.originalName)}: ${reason}.`;
  return new ValidationErrors(
    { [upload.field.name]: new ValidationError("validation_file_upload_failed", message) },
    "Failed to upload the files.",
  );
}

function logFailures(what: string, failures: readonly Error[]): void {
  if (failures.length > 0) console.error(`${what}:`, ...failures);
}

/**
 * Runs a record's INSERT/UPDATE (`write`) with its files: stores the pending uploads first and
 * deletes them again when the write fails. The save then calls `keepWrittenUploads` when it
 * succeeds (which deletes the files it replaced) or `discardWrittenUploads` when it fails. Call
 * it inside the execute step of the save.
 */
export function writeRecordWithFiles(app: App, record: Record, write: () => Promise<void>): Promise<void> {
  // A new record that was never given files has nothing to store, undo or remove: no state is
  // made for it (a WeakMap entry per created record, most of which have no file field), and
  // the write's own promise is handed back.
  if (record.isNew && !states.has(record)) return write();
  return writeWithFileState(app, record, write);
}

async function writeWithFileState(app: App, record: Record, write: () => Promise<void>): Promise<void> {
  const uploads = pendingUploads(record);
  const state = stateOf(record);
  const written: string[] = [];
  const storage = uploads.length > 0 ? app.storage() : null;
  if (storage) {
    if (record.id === "") throw new Error("Uploading files requires the record to have a valid nonempty id.");
    let current: { field: FileField; file: UploadedFile } | undefined;
    try {
      for (const upload of uploads) {
        current = upload;
        const { file } = upload;
        const key = recordFileKey(record.collection.id, record.id, file.name);
        await storage.write(key, file.blob.stream(), {
          contentType: file.contentType,
          metadata: { [ORIGINAL_FILENAME_METADATA]: metadataOriginalName(file.originalName) },
          size: file.size,
        });
        written.push(key);
      }
    } catch (err) {
      await deleteKeys(storage, written);
      if (err instanceof StorageError && current !== undefined) throw uploadRefused(current, err);
      throw new Error(`Failed to upload all files: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }
  try {
    await write();
  } catch (err) {
    if (storage) await deleteKeys(storage, written);
    throw err;
  }
  state.pending.clear();
  state.written.push(...written);

  // files the save dropped from the record go once it has succeeded, never before
  if (!record.isNew) {
    for (const field of record.collection.fields) {
      if (field.type !== "file") continue;
      const now = new Set(toUniqueStrings(record.get(field.name)));
      for (const name of toUniqueStrings(record.original(field.name)))
        if (!now.has(name)) state.removed.push(name);
    }
  }
}

/**
 * Completes the files of a succeeded save (committed, when in a transaction): its new files are
 * kept and the files it replaced or removed are deleted. Call it when a save succeeds.
 */
export function keepWrittenUploads(app: App, record: Record): Promise<void> | undefined {
  // nothing to do, and no promise, for a record that never had files (most saves)
  const state = states.get(record);
  if (!state) return undefined;
  state.written = [];
  const removed = state.removed;
  state.removed = [];
  if (removed.length === 0) return undefined;
  const { id } = record;
  const collectionId = record.collection.id;
  return deleteRecordFiles(app.storage(), collectionId, id, removed).then((failures) =>
    logFailures(`Failed to delete replaced files of ${collectionId}/${id}`, failures),
  );
}

/**
 * Deletes the files a failed save had already stored (the save's transaction rolled back after
 * its write step). Call it when a save fails.
 */
export async function discardWrittenUploads(app: App, record: Record): Promise<void> {
  const state = states.get(record);
  if (!state) return;
  state.removed = [];
  if (state.written.length === 0) return;
  const keys = state.written;
  state.written = [];
  await deleteKeys(app.storage(), keys);
}

/** After commit, deletes everything stored for a deleted record (`<collectionId>/<recordId>/`). */
export function deleteRecordFilesAfterCommit(app: App, record: Record): void {
  if (record.collection.type === "view" || record.id === "") return;
  app.afterCommit(() => deleteStoredRecordFiles(app, record));
}

/**
 * Deletes everything stored for a record that is already deleted (its DELETE committed), as
 * `deleteRecordFilesAfterCommit` does after its transaction; failures are logged.
 */
export async function deleteStoredRecordFiles(app: App, record: Record): Promise<void> {
  if (record.collection.type === "view" || record.id === "") return;
  const prefix = recordPrefix(record.collection.id, record.id);
  logFailures(`Failed to delete the files of ${prefix}`, await app.storage().deletePrefix(prefix));
}

/** After commit, deletes the stored files of records deleted by id (bulk cascades, record-cascade.ts). */
export function deleteRecordIdsFilesAfterCommit(
  app: App,
  collection: Collection,
  ids: readonly string[],
): void {
  if (collection.type === "view" || ids.length === 0) return;
  app.afterCommit(async () => {
    for (const id of ids) {
      if (id === "") continue;
      const prefix = recordPrefix(collection.id, id);
      logFailures(`Failed to delete the files of ${prefix}`, await app.storage().deletePrefix(prefix));
    }
  });
}

/** After commit, deletes everything stored for a deleted collection (`<collectionId>/`). */
export function deleteCollectionFilesAfterCommit(app: App, collection: Collection): void {
  if (collection.type === "view" || collection.id === "") return;
  const prefix = collectionPrefix(collection.id);
  app.afterCommit(async () => {
    logFailures(`Failed to delete the files of ${prefix}`, await app.storage().deletePrefix(prefix));
  });
}

// ---------------------------------------------------------------------------------------------
// Look-ups

/** The first file field of the record whose value holds `filename` (PocketBase's FindFileFieldByFile). */
export function findFileFieldByFile(record: Record, filename: string): FileField | null {
  for (const field of record.collection.fields) {
    if (field.type === "file" && toUniqueStrings(record.get(field.name)).includes(filename)) return field;
  }
  return null;
}

/** Views nested deeper than this are not followed (PocketBase's limit). */
const MAX_VIEW_DEPTH = 5;

/** The collection field a view's result column comes from, when it is a plain column reference. */
function viewColumnSource(
  app: App,
  view: Collection,
  column: string,
): { collection: Collection; field: FileField } | null {
  let parsed;
  try {
    parsed = parseSelect(view.viewQuery ?? "");
  } catch {
    return null;
  }
  const rc = parsed.columns.find((c) => c.name === column);
  const ref: ColumnRef | null = rc?.ref ?? null;
  if (!ref) return null;
  const ctes = new Set(parsed.cteNames.map((n) => n.toLowerCase()));
  const table = ref.table?.toLowerCase();
  for (const source of parsed.sources) {
    if (source.kind !== "table" || source.name === null || ctes.has(source.name.toLowerCase())) continue;
    const key = (source.alias ?? source.name).toLowerCase();
    if (table !== undefined && key !== table) continue;
    const found = app.findCollectionByNameOrId(source.name);
    const collection = found && found.name.toLowerCase() === source.name.toLowerCase() ? found : null;
    const field = collection?.fields.find((f) => f.name.toLowerCase() === ref.column.toLowerCase());
    if (collection && field) return field.type === "file" ? { collection, field } : null;
    if (table !== undefined) return null;
  }
  return null;
}

/**
 * The record of a non-view collection that holds a file shown by a view record (PocketBase's
 * FindRecordByViewFile): follows the view's query from its column to the source collection's
 * field, through nested views, then finds the record whose field holds `filename`. Null when
 * the column is not a plain reference to a file field (expressions, subqueries, CTEs).
 */
export async function findRecordByViewFile(
  app: App,
  view: Collection,
  fieldName: string,
  filename: string,
): Promise<Record | null> {
  let collection = view;
  let column = fieldName;
  for (let level = 1; collection.type === "view"; level++) {
    if (level > MAX_VIEW_DEPTH) return null;
    const source = viewColumnSource(app, collection, column);
    if (!source) return null;
    collection = source.collection;
    column = source.field.name;
  }
  const field = collection.fields.find((f) => f.name === column);
  if (field?.type !== "file") return null;
  const table = quoteIdent(collection.name);
  const col = `${table}.${quoteIdent(field.name)}`;
  const where =
    fileMaxSelect(field) > 1
      ? `EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(${col}) THEN ${col} ELSE json_array(${col}) END) WHERE value = ?)`
      : `${col} = ?`;
  const row = await app.db.get(`SELECT ${table}.* FROM ${table} WHERE ${where} LIMIT 1`, [filename]);
  return row ? Record.fromRow(collection, row) : null;
}
