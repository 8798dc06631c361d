/**
 * The messages between the main thread and a pb_hooks worker (besides the shapes of wire.ts).
 * Every message goes over one MessagePort per worker, as JSON text when JSON carries it exactly
 * (message-pack.ts); after posting to a worker the main thread also rings a shared flag
 * (wake-flag.ts), so a worker parked in `Atomics.wait` (inside a synchronous call, or waiting
 * for its next run) wakes up and drains its port with `receiveMessageOnPort`.
 */
import type { ErrorWire } from "./wire.ts";
import type { FnSource, Registrations } from "./registrations.ts";

/** What a run executes: a registered handler, or a function a script handed to a call. */
export type RunTarget =
  { kind: "handler"; handler: number } | { kind: "callback"; cb: number } | { kind: "source"; fn: FnSource };

/** The response a request handler is building (headers so far, and what was written). */
export interface ResponseState {
  status: number;
  headers: [string, string][];
  body: string | Uint8Array | null;
  written: boolean;
}

/** The request as a script sees it. */
export interface RequestWire {
  method: string;
  url: string;
  headers: [string, string][];
  remoteIP: string;
  realIP: string;
  isTLS: boolean;
  pathParams: { [name: string]: string };
  /** The per-request store (`e.get`/`e.set`). */
  store: { [key: string]: unknown };
  /** The requestInfo() of a request hook event, when the event carries one (encoded). */
  info: unknown;
}

/** An event shipped to a worker. Field values use the tagged encoding of codec.ts. */
export interface EventWire {
  /** Which app `e.app` / `$app` is: "main" or a transaction handle. */
  appId: string;
  /** The hook name, "route", "middleware" or "cron". */
  kind: string;
  fields: { [key: string]: unknown };
  request: RequestWire | null;
  response: ResponseState | null;
}

/** The mutable state of an event travelling back with `e.next()` and at the end of a run. */
export interface EventState {
  fields: { [key: string]: unknown };
  /** The handle of `e.app` when the handler swapped it (e.g. for the txApp of runInTransaction). */
  appId?: string;
  store: { [key: string]: unknown } | null;
  response: ResponseState | null;
}

/** main → worker. */
export type ToWorker =
  | { t: "run"; run: number; target: RunTarget; event: EventWire | null; args: unknown[] }
  | { t: "reply"; id: number; ok: true; value: unknown }
  | { t: "reply"; id: number; ok: false; error: ErrorWire }
  | { t: "stop" };

/** worker → main. */
export type FromWorker =
  | { t: "call"; id: number; op: string; args: unknown[] }
  | { t: "done"; run: number; ok: true; value: unknown; state: EventState | null; next?: true }
  | { t: "done"; run: number; ok: false; error: ErrorWire; state: EventState | null }
  | { t: "loaded"; registrations: Registrations }
  | { t: "loadError"; file: string; line: number; message: string }
  | { t: "ready" };

/** What a worker is started with. */
export interface WorkerInit {
  mode: "load" | "pool";
  hooksDir: string;
  /** Hook files to run (load mode), absolute paths in load order. */
  files: string[];
  /** Captured handler sources (pool mode). */
  handlers: Registrations["handlers"];
  /** Int32Array over a SharedArrayBuffer: the wake-up flag. */
  flag: SharedArrayBuffer;
}
