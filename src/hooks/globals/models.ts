/**
 * The small script classes of jsvm-surface §2.4 that hold data for the app: `RequestInfo`,
 * `Middleware`, `SubscriptionMessage`, `MailerMessage`, `Cookie`, `FormData`, `Context`.
 * Plain-object constructors set properties by their Go-mapped names, as PocketBase does.
 */
import { toGoString } from "../../core/fields/cast.ts";
import { toDateString, parseDate } from "../../tools/dates.ts";
import { GoBytes } from "./bytes.ts";
import { DateTime, GoTime } from "./datetime.ts";

type Obj = { [key: string]: unknown };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => toGoString(v);
const int = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : 0);

/** The request data `$app.canAccessRecord` and rules see (`@request.*`). */
export class RequestInfo {
  query: Obj = {};
  headers: Obj = {};
  body: Obj = {};
  auth: unknown = null;
  method = "";
  context = "default";

  constructor(data?: unknown) {
    if (!isObj(data)) return;
    if (isObj(data.query)) this.query = { ...data.query };
    if (isObj(data.headers)) this.headers = { ...data.headers };
    if (isObj(data.body)) this.body = { ...data.body };
    if (data.auth !== undefined) this.auth = data.auth;
    if (typeof data.method === "string") this.method = data.method;
    if (typeof data.context === "string" && data.context !== "") this.context = data.context;
  }

  /** Whether the request is authenticated as a superuser. */
  hasSuperuserAuth(): boolean {
    const auth = this.auth as { isSuperuser?: () => boolean } | null;
    return typeof auth?.isSuperuser === "function" ? auth.isSuperuser() : false;
  }
}

/** A route middleware with an explicit priority and id (`new Middleware(fn, priority, id)`). */
export class Middleware {
  /** The handler (a function, or the id of a registered middleware). */
  readonly handler: ((e: unknown) => unknown) | string;
  /** The handler's source text (functions run in another realm are rebuilt from it). */
  readonly source: string;
  readonly priority: number;
  readonly id: string;

  constructor(handler: unknown, priority?: unknown, id?: unknown) {
    if (typeof handler !== "function" && typeof handler !== "string") {
      throw new TypeError("[Middleware] the handler must be a function or a middleware id");
    }
    this.handler = handler as ((e: unknown) => unknown) | string;
    this.source = typeof handler === "function" ? Function.prototype.toString.call(handler) : "";
    this.priority = int(priority);
    this.id = str(id);
  }
}

/** A realtime message (`new SubscriptionMessage({name, data})`); `data` is held as bytes. */
export class SubscriptionMessage {
  name: string;
  data: GoBytes;

  constructor(o?: unknown) {
    const src = isObj(o) ? o : {};
    this.name = str(src.name);
    const data = src.data;
    this.data =
      data instanceof GoBytes
        ? data
        : data instanceof Uint8Array
          ? GoBytes.fromData(data)
          : Array.isArray(data)
            ? GoBytes.fromData(Uint8Array.from(data.map(Number)))
            : GoBytes.fromData(typeof data === "string" ? data : JSON.stringify(data ?? null));
  }
}

/** An email address with an optional display name. */
export interface MailAddress {
  address: string;
  name: string;
}

function address(v: unknown): MailAddress {
  if (typeof v === "string") return { address: v, name: "" };
  const o = isObj(v) ? v : {};
  return { address: str(o.address), name: str(o.name) };
}

const addresses = (v: unknown): MailAddress[] => (Array.isArray(v) ? v.map(address) : []);

/** An email to send with `$app.newMailClient().send(message)`. */
export class MailerMessage {
  from: MailAddress;
  to: MailAddress[];
  bcc: MailAddress[];
  cc: MailAddress[];
  subject: string;
  html: string;
  text: string;
  headers: { [name: string]: string };
  attachments: Obj;
  inlineAttachments: Obj;

  constructor(o?: unknown) {
    const src = isObj(o) ? o : {};
    this.from = address(src.from);
    this.to = addresses(src.to);
    this.bcc = addresses(src.bcc);
    this.cc = addresses(src.cc);
    this.subject = str(src.subject);
    this.html = str(src.html);
    this.text = str(src.text);
    this.headers = isObj(src.headers)
      ? Object.fromEntries(Object.entries(src.headers).map(([k, v]) => [k, str(v)]))
      : {};
    this.attachments = isObj(src.attachments) ? { ...src.attachments } : {};
    this.inlineAttachments = isObj(src.inlineAttachments) ? { ...src.inlineAttachments } : {};
  }
}

/** Go's http.SameSite values. */
const SAME_SITE: { readonly [mode: number]: string } = { 2: "Lax", 3: "Strict", 4: "None" };

// Go's cookie value/name validity (net/http sanitizeCookieValue / isCookieNameValid).
const VALID_VALUE_BYTE = (c: number) => c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x3b && c !== 0x5c;
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** An HTTP cookie (`new Cookie({name, value, path, …})`); `.string()` is the Set-Cookie text. */
export class Cookie {
  name: string;
  value: string;
  quoted: boolean;
  path: string;
  domain: string;
  expires: DateTime | null;
  maxAge: number;
  secure: boolean;
  httpOnly: boolean;
  /** 1 default, 2 lax, 3 strict, 4 none. */
  sameSite: number;
  partitioned: boolean;

  constructor(o?: unknown) {
    const src = isObj(o) ? o : {};
    this.name = str(src.name);
    this.value = str(src.value);
    this.quoted = src.quoted === true;
    this.path = str(src.path);
    this.domain = str(src.domain);
    this.expires = expiresOf(src.expires);
    this.maxAge = int(src.maxAge);
    this.secure = src.secure === true;
    this.httpOnly = src.httpOnly === true;
    this.sameSite = int(src.sameSite);
    this.partitioned = src.partitioned === true;
  }

  /** The Set-Cookie header value, as Go's `(*http.Cookie).String()` (empty for an invalid name). */
  string(): string {
    if (!TOKEN_RE.test(this.name)) return "";
    let out = `${this.name}=${cookieValue(this.value, this.quoted)}`;
    if (this.path !== "")
      out += `; Path=${[...this.path].filter((ch) => ch !== ";" && ch >= " " && ch !== "\x7f").join("")}`;
    if (this.domain !== "" && /^\.?[A-Za-z0-9.-]+$/.test(this.domain)) {
      out += `; Domain=${this.domain.replace(/^\./, "")}`;
    }
    if (this.expires && !this.expires.isZero() && this.expires.time().year() >= 1601) {
      out += `; Expires=${new Date(this.expires.time().unixMilli()).toUTCString()}`;
    }
    if (this.maxAge > 0) out += `; Max-Age=${this.maxAge}`;
    else if (this.maxAge < 0) out += "; Max-Age=0";
    if (this.httpOnly) out += "; HttpOnly";
    if (this.secure) out += "; Secure";
    const sameSite = SAME_SITE[this.sameSite];
    if (sameSite) out += `; SameSite=${sameSite}`;
    if (this.partitioned) out += "; Partitioned";
    return out;
  }

  toString(): string {
    return this.string();
  }
}

function expiresOf(v: unknown): DateTime | null {
  if (v instanceof DateTime) return v;
  if (v instanceof GoTime) return DateTime.from(v);
  if (v instanceof Date) return DateTime.from(toDateString(v));
  if (typeof v === "string" && parseDate(v) !== null) return DateTime.from(v);
  return null;
}

function cookieValue(value: string, quoted: boolean): string {
  const clean = [...value].filter((ch) => VALID_VALUE_BYTE(ch.charCodeAt(0)) && ch.length === 1).join("");
  return quoted || /[ ,]/.test(clean) ? `"${clean}"` : clean;
}

/** A multipart body for `$http.send` (`new FormData()`), browser-like. */
export class FormData {
  #entries = new Map<string, unknown[]>();

  append(key: string, value: unknown): void {
    const list = this.#entries.get(String(key)) ?? [];
    list.push(formValue(value));
    this.#entries.set(String(key), list);
  }

  set(key: string, value: unknown): void {
    this.#entries.set(String(key), [formValue(value)]);
  }

  delete(key: string): void {
    this.#entries.delete(String(key));
  }

  get(key: string): unknown {
    return this.#entries.get(String(key))?.[0] ?? null;
  }

  getAll(key: string): unknown[] {
    return [...(this.#entries.get(String(key)) ?? [])];
  }

  has(key: string): boolean {
    return this.#entries.has(String(key));
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  values(): unknown[] {
    return [...this.#entries.values()].flat();
  }

  /** Every `[key, value]` pair (a key appears once per value). */
  entries(): [string, unknown][] {
    return [...this.#entries].flatMap(([k, list]) => list.map((v): [string, unknown] => [k, v]));
  }
}

/** Strings stay, File objects (with a handle) stay, anything else is stringified. */
function formValue(v: unknown): unknown {
  if (typeof v === "string") return v;
  if (isObj(v) && typeof v.handle === "string") return v;
  if (v === null || v === undefined) return "";
  return typeof v === "object" ? JSON.stringify(v) : toGoString(v);
}

/** Go's context.Context: a chain of key/value pairs (`new Context(parent, key, value)`). */
export class Context {
  readonly #parent: Context | null;
  readonly #key: unknown;
  readonly #value: unknown;
  readonly #hasValue: boolean;

  constructor(parent?: unknown, key?: unknown, value?: unknown) {
    this.#parent = parent instanceof Context ? parent : null;
    this.#hasValue = key !== undefined && key !== null;
    this.#key = key;
    this.#value = value;
  }

  /** The value stored under `key` here or in a parent, or null. */
  value(key: unknown): unknown {
    if (this.#hasValue && this.#key === key) return this.#value ?? null;
    return this.#parent ? this.#parent.value(key) : null;
  }

  /** Script contexts are never cancelled: null (Go's nil channel). */
  done(): null {
    return null;
  }

  /** Always null: script contexts are never cancelled. */
  err(): null {
    return null;
  }

  /** `[deadline, ok]`: script contexts have none. */
  deadline(): [DateTime, boolean] {
    return [DateTime.from(""), false];
  }
}

/** A CLI command (`new Command({use, short, run})`), added with `$app.rootCmd.addCommand`. */
export class Command {
  use: string;
  short: string;
  long: string;
  example: string;
  aliases: string[];
  hidden: boolean;
  /** `(cmd, args) => void`. */
  run: ((cmd: Command, args: string[]) => void) | null;
  readonly #children: Command[] = [];

  constructor(o?: unknown) {
    const src = isObj(o) ? o : {};
    this.use = str(src.use);
    this.short = str(src.short);
    this.long = str(src.long);
    this.example = str(src.example);
    this.aliases = Array.isArray(src.aliases) ? src.aliases.map(str) : [];
    this.hidden = src.hidden === true;
    this.run = typeof src.run === "function" ? (src.run as (cmd: Command, args: string[]) => void) : null;
  }

  /** The command's name (the first word of `use`). */
  name(): string {
    return this.use.trim().split(/\s+/)[0] ?? "";
  }

  /** Adds subcommands. */
  addCommand(...cmds: Command[]): void {
    for (const c of cmds) if (c instanceof Command) this.#children.push(c);
  }

  /** The subcommands. */
  commands(): Command[] {
    return [...this.#children];
  }
}
