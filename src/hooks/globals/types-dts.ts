/**
 * The generator of `pb_data/types.d.ts`: ambient declarations of every script global, class,
 * namespace, hook function and `$app` member, with doc comments, derived from the code itself —
 * the library objects of `index.ts` (walked at runtime: prototypes, statics, parameter names
 * from the function sources), the hook catalogue of `src/core/hooks.ts` with its event classes,
 * and doc comments read from the TypeScript sources. Nothing here lists an API by hand, so a
 * member added to the code appears in the file. Parameters are all optional and typed `any`
 * (type stripping erases the source types); return values are `any`.
 */
import { dirname, join } from "node:path";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { App } from "../../core/app.ts";
import { hookCatalogue } from "../../core/hooks.ts";
import { libraryGlobals } from "./index.ts";
import { collectDocs, docBlock } from "./types-docs.ts";

type AnyFn = (...args: unknown[]) => unknown;
type AnyClass = abstract new (...args: never[]) => unknown;

/** What the runtime adds to the library (its own globals), so the file covers them too. */
export interface ScriptSurface {
  /** Global functions, e.g. `routerAdd`, `cronAdd`, `migrate`. */
  functions?: { [name: string]: unknown };
  /** Namespaces, e.g. `$app`, `$apis`, `$http`, `$mails`, `$filesystem`. */
  namespaces?: { [name: string]: unknown };
  /** Global classes. */
  classes?: { [name: string]: unknown };
  /** Event classes handlers receive, by class name (override the core's). */
  events?: { [name: string]: unknown };
  /** TypeScript sources to read doc comments from. */
  sourceFiles?: string[];
}

const HERE = dirname(fileURLToPath(import.meta.url));

function defaultSources(): string[] {
  const core = join(HERE, "../../core");
  const own = readdirSync(HERE)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => join(HERE, f));
  return [...own, join(core, "hook-events.ts"), join(core, "app.ts"), join(HERE, "../../tools/hook.ts")];
}

// Where each library namespace's members are documented in the sources.
const NAMESPACE_DOC_OWNERS: { [name: string]: string } = {
  $security: "security",
  $filepath: "filepath",
  $dbx: "dbx",
  $os: "createOs",
  $template: "TemplateRegistry",
  $app: "App",
};

// Classes whose instances carry data-dependent properties (options, shape keys).
const OPEN_CLASSES = new Set(["DynamicModel", "Collection", "Field"]);

// Event properties whose values are script models, typed by name.
const PROP_TYPES: { [name: string]: string } = {
  record: "models.Record",
  collection: "models.Collection",
  records: "models.Record[]",
  collections: "models.Collection[]",
  auth: "models.Record | null",
};

const BUILTIN_PROTOS = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  Error.prototype,
  Function.prototype,
]);

/** Parameter declarations from a function's source (all optional, `any`). */
function paramsOf(fn: unknown, isClass = false): string {
  if (typeof fn !== "function") return "";
  const src = Function.prototype.toString.call(fn);
  let start: number;
  if (isClass) {
    const m = /\bconstructor\s*\(/.exec(src);
    if (!m) return "...args: any[]";
    start = m.index + m[0].length - 1;
  } else {
    const arrow = /^(?:async\s*)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
    if (arrow) return `${arrow[1] ?? "arg"}?: any`;
    start = src.indexOf("(");
    if (start < 0) return "...args: any[]";
  }
  let depth = 0;
  let end = start;
  for (let i = start; i < src.length; i++) {
    const ch = src[i];
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    if (depth === 0) {
      end = i;
      break;
    }
  }
  const inner = src.slice(start + 1, end);
  const parts: string[] = [];
  let current = "";
  depth = 0;
  for (const ch of inner) {
    if ("([{".includes(ch)) depth++;
    if (")]}".includes(ch)) depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "") parts.push(current);
  return parts
    .map((p, i) => {
      const t = p.trim();
      const rest = t.startsWith("...");
      const name = /^(?:\.\.\.)?\s*([A-Za-z_$][\w$]*)/.exec(t)?.[1] ?? `arg${i}`;
      return rest ? `...${name}: any[]` : `${name}?: any`;
    })
    .join(", ");
}

function tsType(value: unknown, names?: Map<unknown, string>): string {
  if (value !== null && typeof value === "object") {
    const named = names?.get(value.constructor);
    if (named) return named;
  }
  const t = typeof value;
  if (t === "string" || t === "number" || t === "boolean") return t;
  return Array.isArray(value) ? "any[]" : "any";
}

const isIdent = (name: string) => /^[A-Za-z_$][\w$]*$/.test(name);

class Emitter {
  readonly docs: Map<string, string>;
  /** Class objects that have a global (or namespaced) name, to write `extends`. */
  readonly names = new Map<unknown, string>();

  constructor(docs: Map<string, string>) {
    this.docs = docs;
  }

  doc(key: string, indent = ""): string {
    return docBlock(this.docs.get(key), indent);
  }

  /** A class declaration (without `declare`), walking prototypes up to a named parent. */
  classDecl(name: string, cls: AnyClass, indent: string, propTypes = false, open = false): string {
    const pad = `${indent}  `;
    const docName = cls.name || name;
    let parent: unknown = Object.getPrototypeOf(cls);
    const chain: AnyClass[] = [cls];
    // Inline unnamed intermediate classes (e.g. GoBytes under JSONRaw).
    while (
      typeof parent === "function" &&
      parent !== Function.prototype &&
      !this.names.has(parent) &&
      parent !== Array &&
      parent !== Error
    ) {
      chain.push(parent as AnyClass);
      parent = Object.getPrototypeOf(parent);
    }
    const extendsText = this.names.has(parent)
      ? ` extends ${this.names.get(parent)}`
      : parent === Array || chain.some((c) => c.prototype instanceof Array)
        ? " extends Array<any>"
        : parent === Error || chain.some((c) => c.prototype instanceof Error)
          ? " extends Error"
          : "";
    const lines: string[] = [];
    if (open || OPEN_CLASSES.has(name)) lines.push(`${pad}[key: string]: any;`);
    const seen = new Set<string>(["constructor"]);
    // Instance properties (from an instance built without arguments, when that works).
    let instance: unknown = null;
    try {
      instance = Reflect.construct(cls as unknown as new () => unknown, []);
    } catch {
      instance = null;
    }
    const parentInstanceKeys = new Set<string>();
    if (this.names.has(parent)) {
      try {
        const p = Reflect.construct(parent as new () => unknown, []);
        for (const k of Object.keys(p as object)) parentInstanceKeys.add(k);
      } catch {
        // the parent needs arguments: declare every own key here
      }
    }
    if (instance && typeof instance === "object") {
      for (const [key, value] of Object.entries(instance)) {
        if (!isIdent(key) || parentInstanceKeys.has(key) || typeof value === "function") continue;
        seen.add(key);
        const type = propTypes && PROP_TYPES[key] ? PROP_TYPES[key] : tsType(value, this.names);
        lines.push(`${this.doc(`${docName}.${key}`, pad)}${pad}${key}: ${type};`);
      }
    }
    for (const c of chain) {
      for (const key of Object.getOwnPropertyNames(c)) {
        if (["length", "name", "prototype"].includes(key) || !isIdent(key)) continue;
        const d = Object.getOwnPropertyDescriptor(c, key);
        if (typeof d?.value !== "function") continue;
        lines.push(`${this.doc(`${c.name}.${key}`, pad)}${pad}static ${key}(${paramsOf(d.value)}): any;`);
      }
      if (c === cls || Object.prototype.hasOwnProperty.call(c.prototype, "constructor")) {
        const ctor = c === cls ? `${pad}constructor(${paramsOf(cls, true)});` : "";
        if (ctor && !seen.has("#ctor")) {
          lines.push(ctor);
          seen.add("#ctor");
        }
      }
      for (const key of Object.getOwnPropertyNames(c.prototype)) {
        if (seen.has(key) || !isIdent(key)) continue;
        seen.add(key);
        const d = Object.getOwnPropertyDescriptor(c.prototype, key);
        const docText = this.doc(`${c.name}.${key}`, pad);
        if (d?.get || d?.set) {
          const type = propTypes && PROP_TYPES[key] ? PROP_TYPES[key] : "any";
          lines.push(`${docText}${pad}${d.set ? "" : "readonly "}${key}: ${type};`);
        } else if (typeof d?.value === "function") {
          lines.push(`${docText}${pad}${key}(${paramsOf(d.value)}): any;`);
        }
      }
    }
    return `${this.doc(docName, indent)}${indent}class ${name}${extendsText} {\n${lines.join("\n")}\n${indent}}\n`;
  }

  /** A namespace of functions and values. */
  namespaceDecl(name: string, ns: unknown, open = false): string {
    const owner = NAMESPACE_DOC_OWNERS[name] ?? name;
    const lines: string[] = [];
    const members = new Map<string, unknown>();
    if (ns && typeof ns === "object") {
      for (const key of Object.keys(ns)) members.set(key, (ns as { [k: string]: unknown })[key]);
      // Methods of class-based namespaces (e.g. $template, $app).
      for (
        let proto: unknown = ns;
        proto && !BUILTIN_PROTOS.has(proto);
        proto = Object.getPrototypeOf(proto)
      ) {
        for (const key of Object.getOwnPropertyNames(proto)) {
          if (key === "constructor" || members.has(key)) continue;
          const d = Object.getOwnPropertyDescriptor(proto, key);
          members.set(key, d?.get ? undefined : d?.value);
        }
      }
    }
    for (const [key, value] of members) {
      if (!isIdent(key)) continue;
      const docText = this.doc(`${owner}.${key}`, "  ");
      if (typeof value === "function") lines.push(`${docText}  ${key}(${paramsOf(value)}): any;`);
      else lines.push(`${docText}  readonly ${key}: ${tsType(value)};`);
    }
    // An object type rather than a namespace: members may be reserved words (`$dbx.in`).
    if (open) lines.push("  [member: string]: any;");
    return `declare var ${name}: {\n${lines.join("\n")}\n};\n`;
  }
}

/**
 * The content of `pb_data/types.d.ts`. The runtime passes its own globals (`$app`, `$apis`,
 * `routerAdd`, …) in `surface`; without them `$app` is described from the core App and the
 * other runtime names are declared loosely.
 */
export function generateTypesDts(surface: ScriptSurface = {}): string {
  const lib = libraryGlobals(null);
  const docs = collectDocs([...defaultSources(), ...(surface.sourceFiles ?? [])]);
  const em = new Emitter(docs);
  const classes = { ...lib.classes, ...(surface.classes ?? {}) };
  for (const [name, cls] of Object.entries(classes)) em.names.set(cls, name);

  let out =
    "// Generated by Satchel from its own code: the pb_hooks globals, classes, namespaces and hooks.\n" +
    "// Do not edit: it is rewritten on `serve`. Reference it from a script with\n" +
    '// /// <reference path="../pb_data/types.d.ts" />\n\n';

  out += "// ---- helper functions ----\n\n";
  const functions = { ...lib.functions, ...(surface.functions ?? {}) };
  for (const [name, fn] of Object.entries(functions)) {
    out += `${em.doc(name)}declare function ${name}(${paramsOf(fn)}): any;\n`;
  }

  out += "\n// ---- classes ----\n\n";
  // Declared in a namespace and exposed as values: a global `class Record` would clash with
  // TypeScript's own `Record<K, T>` type.
  out += "declare namespace models {\n";
  // Parents first, so `extends` names refer to declared classes.
  const ordered = Object.entries(classes).sort(
    ([, a], [, b]) => depthOf(a as AnyClass, em.names) - depthOf(b as AnyClass, em.names),
  );
  for (const [name, cls] of ordered) {
    if (typeof cls === "function") out += `${em.classDecl(name, cls as AnyClass, "  ")}\n`;
  }
  out += "}\n\n";
  for (const [name, cls] of Object.entries(classes)) {
    if (typeof cls === "function") out += `${em.doc(name)}declare var ${name}: typeof models.${name};\n`;
  }
  out += "\n";

  out += "// ---- namespaces ----\n\n";
  const namespaces: { [name: string]: unknown } = {
    $app: App.prototype,
    ...lib.namespaces,
    ...(surface.namespaces ?? {}),
  };
  for (const [name, ns] of Object.entries(namespaces)) {
    // Without the runtime's own `$app`, the core App describes it; the runtime's has more.
    const open = name === "$app" && !surface.namespaces?.$app;
    out += `${em.namespaceDecl(name, ns, open)}\n`;
  }

  out += "// ---- hooks ----\n\n";
  const events = new Map<string, AnyClass>();
  for (const spec of Object.values(hookCatalogue)) {
    for (
      let c: unknown = spec.event;
      typeof c === "function" && c !== Function.prototype;
      c = Object.getPrototypeOf(c)
    ) {
      const cls = c as AnyClass;
      if (cls.name) events.set(cls.name, (surface.events?.[cls.name] as AnyClass | undefined) ?? cls);
    }
  }
  const eventEm = new Emitter(docs);
  for (const [name, cls] of events) eventEm.names.set(cls, `core.${name}`);
  out += "declare namespace core {\n";
  const eventOrder = [...events].sort(
    ([, a], [, b]) => depthOf(a, eventEm.names) - depthOf(b, eventEm.names),
  );
  for (const [name, cls] of eventOrder) {
    // Open: the runtime's event objects add request helpers (e.string, e.html, e.redirect…).
    const decl = eventEm.classDecl(name, cls, "  ", true, true).replace(/extends core\./, "extends ");
    out += `${decl}\n`;
  }
  out += "}\n\n";
  for (const [hook, spec] of Object.entries(hookCatalogue)) {
    const eventName = spec.event.name;
    const tags = spec.tagged ? ", ...tags: string[]" : "";
    const about = docs.get(eventName);
    const text = `Registers a \`${hook}\` handler; it receives a \`core.${eventName}\`${about ? `: ${about}` : "."}\nCall \`e.next()\` to continue the chain.${spec.tagged ? "\nTags (collection ids/names or table names) limit the handler to those." : ""}`;
    out += `${docBlock(text)}declare function ${hook}(handler: (e: core.${eventName}) => void${tags}): void;\n`;
  }

  out += "\n// ---- runtime names not described by the runtime ----\n\n";
  const runtimeFunctions = ["routerAdd", "routerUse", "cronAdd", "cronRemove", "migrate"];
  for (const name of runtimeFunctions) {
    if (!(name in functions)) out += `declare function ${name}(...args: any[]): any;\n`;
  }
  for (const name of ["$apis", "$http", "$mails", "$filesystem"]) {
    if (!(name in namespaces)) out += `declare var ${name}: any;\n`;
  }
  out += "/** The absolute path of the hooks directory. */\ndeclare var __hooks: string;\n";
  return out;
}

function depthOf(cls: AnyClass, names: Map<unknown, string>): number {
  let depth = 0;
  for (let p: unknown = Object.getPrototypeOf(cls); names.has(p); p = Object.getPrototypeOf(p)) depth++;
  return depth;
}

export type { AnyFn };
