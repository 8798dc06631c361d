/**
 * Script routes and middlewares: the steps the router's script-routes adapter runs for
 * `routerAdd`/`routerUse` registrations, each a handler run on the pool with PocketBase's
 * request event, and the request operations those handlers call (body, requestInfo, files,
 * `$apis.recordAuthResponse`, `$apis.enrichRecord(s)`).
 */
import { str } from "./text.ts";
import {
  apisStep,
  type ScriptMiddleware,
  type ScriptRequest,
  type ScriptRouting,
  type ScriptStep,
} from "../api/script-routes.ts";
import { recordAuthResponse } from "../api/record-auth-response.ts";
import { Record as CoreRecord } from "../core/records/record.ts";
import { newAuthToken } from "../core/records/record-tokens.ts";
import { enrichRecordsInPlace } from "../core/records/record-enrich.ts";
import { decodeValue, encodeValue, type AppHandles } from "./main-codec.ts";
import { prepareUpload } from "../core/records/record-files.ts";
import { uploadHandles } from "./main-files.ts";
import { RunError, type RunContext, type WorkerPool } from "./pool.ts";
import type { EventState, EventWire } from "./protocol.ts";
import type { MiddlewareReg, Registrations } from "./registrations.ts";
import { logScriptError } from "./event-bridge.ts";

type Obj = { [key: string]: unknown };

class RouteEventBridge implements RunContext {
  readonly #req: ScriptRequest;
  readonly #next: () => Promise<void>;
  readonly #handles: AppHandles;

  constructor(req: ScriptRequest, next: () => Promise<void>, handles: AppHandles) {
    this.#req = req;
    this.#next = next;
    this.#handles = handles;
  }

  wire(): EventWire {
    const req = this.#req;
    return {
      appId: "main",
      kind: "route",
      fields: { auth: encodeValue(req.auth, this.#handles) },
      request: {
        method: req.method,
        url: req.url,
        headers: req.headers(),
        remoteIP: req.remoteIP(),
        realIP: req.realIP(),
        isTLS: req.isTLS(),
        pathParams: req.params,
        store: req.store,
        info: null,
      },
      response: req.response,
    };
  }

  state(): EventState {
    const req = this.#req;
    return {
      fields: { auth: encodeValue(req.auth, this.#handles) },
      store: req.store,
      response: req.response,
    };
  }

  async apply(state: EventState): Promise<void> {
    const req = this.#req;
    if (state.store) req.store = state.store;
    // a response written on this side (a built-in route, $apis.recordAuthResponse) stays written
    if (state.response && !(req.response.written && !state.response.written)) req.response = state.response;
    const auth = state.fields.auth as Obj | null | undefined;
    const currentId = req.auth?.id ?? null;
    const incomingId = auth && "$record" in auth ? ((auth.$record as { id?: string }).id ?? null) : null;
    if (auth !== undefined && incomingId !== currentId) {
      const decoded = await decodeValue(auth, req.app, this.#handles);
      req.auth = decoded instanceof CoreRecord ? decoded : null;
    }
  }

  async next(state: EventState): Promise<EventState> {
    await this.apply(state);
    await this.#next();
    return this.state();
  }

  async request(op: string, args: unknown[]): Promise<unknown> {
    const req = this.#req;
    switch (op) {
      case "request.body":
        return req.text();
      case "request.info":
        return encodeValue(await req.info(), this.#handles);
      case "request.bindBody":
        return encodeValue(await req.bindBody(), this.#handles);
      case "request.files": {
        const body = (await req.info()).body;
        const value = body[str(args[0])];
        const files = (Array.isArray(value) ? value : [value]).filter((v): v is File => v instanceof File);
        if (files.length === 0) throw new Error("http: no such file");
        // prepared uploads under handles, so a script can attach or store them
        return Promise.all(files.map(async (f) => uploadHandles.add(await prepareUpload(f, f.name))));
      }
      case "apis.recordAuthResponse": {
        const record = await decodeValue(args[0], req.app, this.#handles);
        if (!(record instanceof CoreRecord)) throw new Error("recordAuthResponse: not a record");
        const res = await recordAuthResponse(
          req.c,
          record.collection,
          record,
          newAuthToken(record),
          str(args[1]),
          (await decodeValue(args[2] ?? null, req.app, this.#handles)) ?? null,
        );
        req.response = {
          status: res.status,
          headers: [...res.headers],
          body: new Uint8Array(await res.arrayBuffer()),
          written: true,
        };
        return null;
      }
      case "apis.enrichRecord":
      case "apis.enrichRecords": {
        const decoded = await decodeValue(args[0], req.app, this.#handles);
        const records = (Array.isArray(decoded) ? decoded : [decoded]).filter((r) => r instanceof CoreRecord);
        const info = await req.info();
        const expand = [...args.slice(1).map(String), new URL(req.url).searchParams.get("expand") ?? ""]
          .filter(Boolean)
          .join(",");
        await enrichRecordsInPlace(req.app, records, expand, {
          requestInfo: info,
          isSuperuser: req.auth?.collection.name === "_superusers",
        });
        return encodeValue(Array.isArray(decoded) ? records : records[0], this.#handles);
      }
      default:
        throw new Error(`unknown request operation ${op}`);
    }
  }
}

function scriptStep(
  handler: number,
  pool: () => WorkerPool,
  handles: AppHandles,
  hooksDir: string,
  log: (m: string) => void,
): ScriptStep {
  return async (req, next) => {
    const bridge = new RouteEventBridge(req, next, handles);
    try {
      const { state, next: deferred } = await pool().run(
        { kind: "handler", handler },
        bridge.wire(),
        [],
        bridge,
      );
      if (state) await bridge.apply(state);
      // the handler's final `e.next()` (tail-next.ts)
      if (deferred) return next();
    } catch (err) {
      if (!(err instanceof RunError)) throw err;
      if (err.state) await bridge.apply(err.state).catch(() => undefined);
      logScriptError(err.wire, hooksDir, log);
      throw err.error;
    }
  };
}

/** The router additions of a hooks folder. */
export function scriptRouting(
  regs: Registrations,
  pool: () => WorkerPool,
  handles: AppHandles,
  hooksDir: string,
  log: (m: string) => void,
): ScriptRouting {
  const mw = (m: MiddlewareReg): ScriptMiddleware =>
    m.kind === "script"
      ? { id: m.id, priority: m.priority, step: scriptStep(m.handler, pool, handles, hooksDir, log) }
      : { id: m.id, priority: m.priority, step: apisStep(m.apis, m.args) };
  return {
    middlewares: regs.middlewares.map(mw),
    routes: regs.routes.map((r) => ({
      method: r.method,
      path: r.path,
      handler: mw(r.handler).step,
      middlewares: r.middlewares.map(mw),
    })),
  };
}
