/**
 * Files scripts attach to records (`$filesystem.fileFromPath/fileFromBytes/fileFromURL`): the
 * main thread reads or fetches the content once, prepares it as an upload (sniffed type,
 * PocketBase's random-suffixed name) and keeps it under a handle; the worker only holds the
 * handle and the names (`FileWire`). A record that comes back with the handle in its
 * `unsavedFiles` gets the upload as pending, so `$app.save(record)` stores it.
 */
import { openAsBlob } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { randomUUID } from "node:crypto";
import { prepareUpload, type UploadedFile } from "../core/records/record-files.ts";
import type { FileWire } from "./wire.ts";

/** How long an unused handle is kept (a script normally saves its record right away). */
const KEEP_MS = 30 * 60_000;

/** Prepared uploads by handle, with when each was last used. */
export class UploadHandles {
  readonly #files = new Map<string, { file: UploadedFile; used: number }>();
  readonly #handles = new WeakMap<UploadedFile, string>();

  /** Registers an upload; returns what the worker sees of it. */
  add(file: UploadedFile): FileWire {
    this.#prune();
    const handle = randomUUID();
    this.#files.set(handle, { file, used: Date.now() });
    this.#handles.set(file, handle);
    return { handle, name: file.name, originalName: file.originalName, size: file.size };
  }

  /** The upload of a handle (undefined when unknown or expired). */
  get(handle: string): UploadedFile | undefined {
    const entry = this.#files.get(handle);
    if (entry) entry.used = Date.now();
    return entry?.file;
  }

  /** The handle of an upload already registered (so a record's pending files keep theirs). */
  wireOf(file: UploadedFile): FileWire {
    const handle = this.#handles.get(file);
    const entry = handle === undefined ? undefined : this.#files.get(handle);
    if (handle === undefined || !entry) return this.add(file);
    entry.used = Date.now();
    return { handle, name: file.name, originalName: file.originalName, size: file.size };
  }

  #prune(): void {
    const old = Date.now() - KEEP_MS;
    for (const [handle, entry] of this.#files) if (entry.used < old) this.#files.delete(handle);
  }
}

/** The one registry of the process (handles are random, so apps cannot see each other's). */
export const uploadHandles = new UploadHandles();

/** `$filesystem.fileFromPath(path)`: the file read lazily from disk. */
export async function fileFromPath(path: string): Promise<FileWire> {
  if (!path) throw new Error("open : no such file or directory");
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`open ${path}: ${err.code === "ENOENT" ? "no such file or directory" : err.message}`);
  });
  if (!info.isFile()) throw new Error(`read ${path}: is a directory`);
  const blob = await openAsBlob(path);
  return uploadHandles.add(await prepareUpload(blob, basename(path)));
}

/** `$filesystem.fileFromBytes(data, name)`. */
export async function fileFromBytes(bytes: Uint8Array, name: string): Promise<FileWire> {
  return uploadHandles.add(await prepareUpload(new Blob([bytes as Uint8Array<ArrayBuffer>]), name));
}

/** `$filesystem.fileFromURL(url, secTimeout)`: a GET; a non-2xx answer throws. */
export async function fileFromURL(url: string, timeoutSec: number): Promise<FileWire> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`parse "${url}": invalid URL`);
  }
  const res = await fetch(parsed, {
    signal: AbortSignal.timeout((timeoutSec > 0 ? timeoutSec : 120) * 1000),
    redirect: "follow",
  });
  if (res.status < 200 || res.status > 399) {
    await res.body?.cancel();
    throw new Error(`failed to download url ${url} (${res.status})`);
  }
  const blob = await res.blob();
  return uploadHandles.add(await prepareUpload(blob, basename(decodeURIComponent(parsed.pathname))));
}
