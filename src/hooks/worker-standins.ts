/**
 * Minimal script-facing classes used until the full library of src/hooks/globals/ is present:
 * a Record and Collection over the wire shapes, PocketBase's error classes, ValidationError,
 * Middleware and DynamicModel. Only what the runtime itself and its tests need; the globals
 * library replaces every one of them when it is installed.
 */
import { str } from "./text.ts";
import type { CollectionWire, RecordWire } from "./wire.ts";

type Obj = { [key: string]: unknown };

const STATUS_TEXT: { [status: number]: string } = {
  400: "Something went wrong while processing your request.",
  401: "Missing or invalid authentication.",
  403: "You are not allowed to perform this request.",
  404: "The requested resource wasn't found.",
  429: "Too Many Requests.",
  500: "Something went wrong while processing your request.",
};

function sentenize(message: string): string {
  const s = message.trim();
  if (!s) return "";
  const first = s[0]!.toUpperCase() + s.slice(1);
  return /[.?!]$/.test(first) ? first : `${first}.`;
}

/** A field validation error (`code`, `message`). */
export class ValidationError extends Error {
  readonly #code: string;
  constructor(code = "", message = "") {
    super(message);
    this.#code = code;
  }
  code(): string {
    return this.#code;
  }
  error(): string {
    return this.message;
  }
}

function sanitize(data: unknown): Obj {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return {};
  const out: Obj = {};
  for (const [key, value] of Object.entries(data as Obj)) {
    if (value instanceof ValidationError)
      out[key] = { code: value.code(), message: sentenize(value.message) };
    else if (value && typeof value === "object" && !Array.isArray(value)) out[key] = sanitize(value);
    else out[key] = { code: "validation_invalid_value", message: "Invalid value." };
  }
  return out;
}

/** An error answered with its status, message and sanitised data. */
export class ApiError extends Error {
  status: number;
  data: Obj;
  readonly #raw: unknown;
  constructor(status = 0, message = "", data: unknown = null) {
    super(sentenize(str(message)) || STATUS_TEXT[status] || "");
    this.name = "ApiError";
    this.status = status;
    this.data = sanitize(data);
    this.#raw = data;
  }
  error(): string {
    return this.message;
  }
  rawData(): unknown {
    return this.#raw;
  }
}

const errorClass = (status: number) =>
  class extends ApiError {
    constructor(message = "", data: unknown = null) {
      super(status, message, data);
    }
  };

export const BadRequestError = errorClass(400);
export const UnauthorizedError = errorClass(401);
export const ForbiddenError = errorClass(403);
export const NotFoundError = errorClass(404);
export const TooManyRequestsError = errorClass(429);
export const InternalServerError = errorClass(500);

/** `new Middleware(fn, priority, id)`: a route middleware with an explicit priority and id. */
export class Middleware {
  handler: unknown;
  priority: number;
  id: string;
  constructor(handler: unknown, priority = 0, id = "") {
    this.handler = handler;
    this.priority = priority;
    this.id = id;
  }
}

/** `new DynamicModel(shape)`: a plain bag of the shape's keys. */
export class DynamicModel {
  constructor(shape: Obj) {
    if (!shape || typeof shape !== "object" || Object.keys(shape).length === 0)
      throw new Error("[DynamicModel] missing shape data");
    Object.assign(this, shape);
  }
}

/** A collection as scripts see it (the wire JSON plus a few methods). */
export class Collection {
  [key: string]: unknown;
  constructor(data: Obj = {}) {
    Object.assign(this, data);
  }
  static fromWire(w: CollectionWire): Collection {
    return new Collection(structuredClone(w));
  }
  toWire(): CollectionWire {
    return JSON.parse(JSON.stringify({ ...this })) as CollectionWire;
  }
  isAuth(): boolean {
    return this.type === "auth";
  }
  isBase(): boolean {
    return this.type === "base";
  }
  isView(): boolean {
    return this.type === "view";
  }
}

interface FieldShape {
  name: string;
  type: string;
  hidden?: boolean;
  maxSelect?: number;
}

/** A record as scripts see it, over its wire shape. */
export class Record {
  #w: RecordWire;
  constructor(collection?: Collection | null, data?: Obj) {
    const c = collection ? (collection.toWire?.() ?? collection) : {};
    this.#w = {
      collection: c,
      id: "",
      isNew: true,
      data: {},
      original: null,
      plainPasswords: {},
      custom: {},
      expand: {},
      hidden: [],
      unhidden: [],
      ignoreEmailVisibility: false,
      withCustomData: false,
      unsavedFiles: {},
    };
    if (data) this.load(data);
  }
  static fromWire(w: RecordWire): Record {
    const r = new Record();
    r.#w = w;
    return r;
  }
  toWire(): RecordWire {
    return this.#w;
  }
  /** Takes the state of `w` in place (after a save on the main thread). */
  applyWire(w: RecordWire): void {
    this.#w = w;
  }
  #fields(): FieldShape[] {
    return (this.#w.collection.fields as FieldShape[] | undefined) ?? [];
  }
  #field(name: string): FieldShape | undefined {
    return this.#fields().find((f) => f.name === name);
  }
  get id(): string {
    return this.#w.id;
  }
  set id(v: string) {
    this.set("id", v);
  }
  collection(): Collection {
    return Collection.fromWire(this.#w.collection);
  }
  isNew(): boolean {
    return this.#w.isNew;
  }
  get(key: string): unknown {
    if (key in this.#w.data) return this.#w.data[key];
    return this.#w.custom[key];
  }
  set(key: string, value: unknown): void {
    const f = this.#field(key);
    if (!f) {
      this.#w.custom[key] = value;
      return;
    }
    let v = value;
    if (f.type === "number") v = Number(value) || 0;
    else if (f.type === "bool") v = value === true || value === "true" || value === 1;
    else if (f.type === "text" || f.type === "email" || f.type === "url" || f.type === "editor")
      v = str(value);
    else if (f.type === "password") {
      this.#w.plainPasswords[key] = str(value);
      return;
    }
    this.#w.data[key] = v;
    if (key === "id") this.#w.id = str(v);
  }
  load(data: Obj): void {
    for (const [k, v] of Object.entries(data)) this.set(k, v);
  }
  getString(key: string): string {
    const v = this.get(key);
    return str(v);
  }
  getInt(key: string): number {
    return Math.trunc(Number(this.get(key)) || 0);
  }
  getFloat(key: string): number {
    return Number(this.get(key)) || 0;
  }
  getBool(key: string): boolean {
    return this.get(key) === true;
  }
  getStringSlice(key: string): string[] {
    const v = this.get(key);
    return Array.isArray(v) ? v.map((x) => str(x)) : v ? [str(v)] : [];
  }
  email(): string {
    return this.getString("email");
  }
  verified(): boolean {
    return this.getBool("verified");
  }
  hide(...names: string[]): this {
    this.#w.hidden.push(...names);
    return this;
  }
  unhide(...names: string[]): this {
    this.#w.unhidden.push(...names);
    return this;
  }
  withCustomData(on: boolean): this {
    this.#w.withCustomData = on;
    return this;
  }
  ignoreEmailVisibility(on: boolean): this {
    this.#w.ignoreEmailVisibility = on;
    return this;
  }
  publicExport(): Obj {
    const w = this.#w;
    const out: Obj = { collectionId: w.collection.id, collectionName: w.collection.name };
    const isAuth = w.collection.type === "auth";
    for (const f of this.#fields()) {
      const shown = w.unhidden.includes(f.name);
      if ((f.hidden && !shown) || w.hidden.includes(f.name)) continue;
      if (f.type === "password" || (isAuth && f.name === "tokenKey")) continue;
      if (isAuth && f.name === "email" && !w.ignoreEmailVisibility && w.data.emailVisibility !== true)
        continue;
      let v = w.data[f.name];
      if (f.type === "json" && typeof v === "string") v = v === "" ? null : (JSON.parse(v) as unknown);
      out[f.name] = v;
    }
    if (w.withCustomData)
      for (const [k, v] of Object.entries(w.custom)) if (!w.hidden.includes(k)) out[k] = v;
    if (Object.keys(w.expand).length > 0) out.expand = w.expand;
    return out;
  }
  toJSON(): Obj {
    return this.publicExport();
  }
}

/** The stand-in globals, by name. */
export const standinGlobals: { [name: string]: unknown } = {
  ApiError,
  BadRequestError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  InternalServerError,
  ValidationError,
  Middleware,
  DynamicModel,
  Collection,
  Record,
};

/** A `$dbx` expression: SQL with `{:name}` placeholders and its params. */
class Expression {
  readonly #build: (params: Obj) => string;
  constructor(build: (params: Obj) => string) {
    this.#build = build;
  }
  build(_db: unknown, params: Obj): string {
    return this.#build(params);
  }
}

let paramSeq = 0;
const quoteCol = (name: string) =>
  name
    .split(".")
    .map((p) => "`" + p.replaceAll("`", "``") + "`")
    .join(".");

/** A few `$dbx` expression builders (the full set comes with src/hooks/globals/). */
export const dbxStandin = {
  exp: (sql: string, params: Obj = {}) =>
    new Expression((out) => {
      Object.assign(out, params);
      return sql;
    }),
  hashExp: (values: Obj) =>
    new Expression((out) =>
      Object.keys(values)
        .sort()
        .map((col) => {
          const v = values[col];
          if (v === null) return `${quoteCol(col)} IS NULL`;
          const name = `p${paramSeq++}`;
          out[name] = v;
          return `${quoteCol(col)}={:${name}}`;
        })
        .join(" AND "),
    ),
  and: (...exprs: Expression[]) =>
    new Expression((out) => exprs.map((e) => `(${e.build(null, out)})`).join(" AND ")),
  or: (...exprs: Expression[]) =>
    new Expression((out) => exprs.map((e) => `(${e.build(null, out)})`).join(" OR ")),
  not: (e: Expression) => new Expression((out) => `NOT (${e.build(null, out)})`),
};

standinGlobals.$dbx = dbxStandin;
