/**
 * Core hook events seen by scripts: binding `on*` registrations to the app's hook chains, and
 * the per-run bridge that ships an event's fields to the worker, applies what the script changed
 * (record fields, collection, response written…) back onto the real event after each
 * `e.next()` and at the end, and answers the event's request operations.
 */
import type { App } from "../core/app.ts";
import { hookAccessor, type HookName } from "../core/hooks.ts";
import { RequestEvent } from "../core/hook-events.ts";
import { Record as CoreRecord } from "../core/records/record.ts";
import type { HookEvent } from "../tools/hook.ts";
import {
  applyRecordWire,
  collectionFromWire,
  decodeValue,
  encodeValue,
  type AppHandles,
} from "./main-codec.ts";
import { RunError, currentNesting, withNesting, type RunContext, type WorkerPool } from "./pool.ts";
import type { EventState, EventWire, ResponseState } from "./protocol.ts";
import type { HookReg } from "./registrations.ts";
import type { CollectionWire, ErrorWire, RecordWire } from "./wire.ts";

type Obj = { [key: string]: unknown };

/** Event fields never shipped (the app travels as a handle; request/response have their own form). */
const NOT_SHIPPED = new Set(["app", "request", "response", "mailer", "router"]);
/** Fields shipped but never written back. */
const READ_ONLY = new Set(["auth", "type", "error", "providerClient", "requestInfo", "client"]);

/** Logs a script error with where it was thrown in the hook files. */
export function logScriptError(wire: ErrorWire, hooksDir: string, log: (m: string) => void): void {
  if (wire.kind !== "error") return;
  const frame = (wire.stack ?? "").split("\n").find((l) => l.includes(hooksDir));
  const where = frame ? frame.trim().replace(/^at\s+/, "") : "a handler";
  log(`pb_hooks: ${where}: ${wire.message}`);
}

function responseWire(res: Response | undefined): ResponseState {
  return res
    ? { status: res.status, headers: [...res.headers], body: null, written: true }
    : { status: 0, headers: [], body: null, written: false };
}

/**
 * A function that runs a callback in the async context current when it was made, as
 * `AsyncLocalStorage.snapshot()` does. A promise reaction keeps the context its `then()` was
 * called in (that is how async context follows `await`), so a pending reaction is the snapshot:
 * ~0.2 µs to make where `snapshot()` costs ~4.6 µs, and every event makes one while few handlers
 * call `e.next()` before their end. Each use re-arms it from inside the kept context.
 */
function keepAsyncContext(): <T>(fn: () => Promise<T>) => Promise<T> {
  let enter: (fn: () => void) => void = () => undefined;
  const arm = () =>
    void new Promise<() => void>((resolve) => (enter = resolve)).then((fn) => {
      arm();
      fn();
    });
  arm();
  return <T>(fn: () => Promise<T>) =>
    new Promise<T>((resolve, reject) =>
      enter(() => {
        try {
          fn().then(resolve, reject);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }),
    );
}

/** The bridge of one run of a script handler on a core hook event. */
export class CoreEventBridge implements RunContext {
  readonly #event: HookEvent & Obj;
  readonly #handles: AppHandles;
  readonly #kind: string;
  readonly #keys: string[];
  /** The async context of the handler's own link of the chain: `e.next()` continues it. */
  readonly #context = keepAsyncContext();

  constructor(event: HookEvent, handles: AppHandles, kind: string) {
    this.#event = event as HookEvent & Obj;
    this.#handles = handles;
    this.#kind = kind;
    this.#keys = Object.keys(event).filter((k) => !NOT_SHIPPED.has(k));
  }

  get #app(): App {
    return this.#event.app as App;
  }

  #fields(): Obj {
    const fields: Obj = {};
    for (const key of this.#keys) {
      const v = encodeValue(this.#event[key], this.#handles);
      if (v !== undefined) fields[key] = v;
    }
    return fields;
  }

  wire(): EventWire {
    const e = this.#event;
    const isRequest = e instanceof RequestEvent;
    return {
      appId: this.#handles.idOf(this.#app),
      kind: this.#kind,
      fields: this.#fields(),
      request: isRequest
        ? {
            method: e.request.method,
            url: e.request.url,
            headers: [...e.request.headers],
            remoteIP: e.realIP(),
            realIP: e.realIP(),
            isTLS: e.request.url.startsWith("https:"),
            pathParams: {},
            store: {},
            info: encodeValue(e.requestInfo(), this.#handles),
          }
        : null,
      response: isRequest ? responseWire(e.response) : null,
    };
  }

  state(): EventState {
    const e = this.#event;
    return {
      fields: this.#fields(),
      store: null,
      response: e instanceof RequestEvent ? responseWire(e.response) : null,
    };
  }

  /**
   * Applies a run's state to the event. Synchronous unless a value needs async work (a password
   * to hash, a value to decode): the common answer, a record whose fields changed, costs no
   * promise and no microtask turn.
   */
  apply(state: EventState): Promise<void> | undefined {
    const e = this.#event;
    if (state.appId !== undefined && state.appId !== this.#handles.idOf(this.#app)) {
      e.app = this.#handles.get(state.appId);
    }
    const app = this.#app;
    let pending: Promise<unknown>[] | undefined;
    const wait = (p: Promise<unknown> | void) => {
      if (p) (pending ??= []).push(p);
    };
    for (const key in state.fields) {
      if (READ_ONLY.has(key) || !this.#keys.includes(key)) continue;
      const incoming = state.fields[key];
      const current = e[key];
      // most fields come back as they went (a string, a number): nothing to compare or decode
      if (incoming === current && (incoming === null || typeof incoming !== "object")) continue;
      const tagged = incoming && typeof incoming === "object" ? (incoming as Obj) : null;
      if (current instanceof CoreRecord && tagged && "$record" in tagged) {
        wait(applyRecordWire(current, tagged.$record as RecordWire));
      } else if (tagged && "$collection" in tagged && current && typeof current === "object") {
        const next = collectionFromWire(app, tagged.$collection as CollectionWire);
        if (JSON.stringify(encodeValue(current, this.#handles)) !== JSON.stringify(incoming))
          Object.assign(current, next);
      } else if (Array.isArray(current) && Array.isArray(incoming) && current.length === incoming.length) {
        for (let i = 0; i < current.length; i++) {
          const item = incoming[i] as Obj | null;
          if (current[i] instanceof CoreRecord && item && "$record" in item)
            wait(applyRecordWire(current[i] as CoreRecord, item.$record as RecordWire));
        }
      } else if (JSON.stringify(encodeValue(current, this.#handles)) !== JSON.stringify(incoming)) {
        wait(decodeValue(incoming, app, this.#handles).then((v) => (e[key] = v)));
      }
    }
    const finish = () => {
      const r = state.response;
      if (e instanceof RequestEvent && r?.written && !e.response) {
        e.response = new Response(r.body as BodyInit | null, { status: r.status, headers: r.headers });
      }
    };
    if (!pending) {
      finish();
      return undefined;
    }
    return Promise.all(pending).then(finish);
  }

  async next(state: EventState): Promise<EventState> {
    await this.apply(state);
    const call = currentNesting();
    await this.#context(() => withNesting(call, () => this.#event.next()));
    return this.state();
  }

  async request(op: string): Promise<unknown> {
    const e = this.#event;
    if (!(e instanceof RequestEvent)) throw new Error(`${op} is only available in request hooks`);
    const info = e.requestInfo();
    if (op === "request.info") return encodeValue(info, this.#handles);
    if (op === "request.body") return Object.keys(info.body).length ? JSON.stringify(info.body) : "";
    if (op === "request.bindBody") return encodeValue(info.body, this.#handles);
    if (op === "request.files") throw new Error("http: no such file");
    throw new Error(`${op} is not available in this hook`);
  }
}

/** Binds the `on*` registrations to the app's hooks; returns the function that unbinds them. */
export function bindScriptHooks(
  app: App,
  hooks: HookReg[],
  pool: () => WorkerPool,
  handles: AppHandles,
  hooksDir: string,
  log: (m: string) => void,
): () => void {
  const bound: [HookName, string][] = [];
  for (const reg of hooks) {
    const name = reg.hook as HookName;
    const binder = hookAccessor(app.hooks, name)(...reg.tags);
    const id = binder.bindFunc(async (event: HookEvent) => {
      const bridge = new CoreEventBridge(event, handles, name);
      try {
        const { state, next } = await pool().run(
          { kind: "handler", handler: reg.handler },
          bridge.wire(),
          [],
          bridge,
        );
        const applied = state ? bridge.apply(state) : undefined;
        if (applied) await applied;
        // the handler's final `e.next()` (tail-next.ts), in the handler's own link of the chain
        if (next) return await event.next();
      } catch (err) {
        if (!(err instanceof RunError)) throw err;
        try {
          if (err.state) await bridge.apply(err.state);
        } catch {
          // the run's own error is the one to report
        }
        logScriptError(err.wire, hooksDir, log);
        throw err.error;
      }
    });
    bound.push([name, id]);
  }
  return () => {
    for (const [name, id] of bound) app.hooks[name].unbind(id);
  };
}
