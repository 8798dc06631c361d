/**
 * `$template` (jsvm-surface §3.8): Go `html/template`-style rendering for pb_hooks views.
 *
 * Supported: text with `{{ }}` actions and `{{-`/`-}}` trimming, comments, fields and chains
 * (`.name`, `.a.b`, `$`, `$x.y`, methods called without arguments), variables (`$x := …`,
 * `$x = …`), pipelines with `|`, parentheses, literals, `if`/`else if`/`else`, `range` (with
 * `$i, $e :=`, `else`, `break`, `continue`), `with`, `define`/`template`/`block`, the Go
 * builtins `and or not len index slice eq ne lt le gt ge print printf println html js urlquery
 * call`, PocketBase's `raw` (unescaped HTML) and functions from `addFuncs`. Every value an action
 * prints is HTML-escaped unless it comes from `raw`. Not supported: html/template's contextual
 * escaping inside `<script>`, `<style>`, attributes and URLs (everything is escaped as HTML
 * text) and complex numbers.
 */
import { readFileSync } from "node:fs";
import { filepath, glob } from "./filepath.ts";
import { GoError } from "./errors.ts";

type Obj = { [key: string]: unknown };
type Fn = (...args: unknown[]) => unknown;

/** HTML that `raw` returns: printed as it is. */
class SafeHtml {
  readonly html: string;
  constructor(html: string) {
    this.html = html;
  }
}

// ---- lexing -------------------------------------------------------------------------------

type Tok =
  | { k: "field"; v: string[] }
  | { k: "var"; v: string; path: string[] }
  | { k: "ident"; v: string }
  | { k: "lit"; v: unknown }
  | { k: "op"; v: string };

function tokenizeAction(src: string, name: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new GoError(`template: ${name}: ${msg}`);
  };
  const readPath = (): string[] => {
    const path: string[] = [];
    while (src[i] === "." && /[A-Za-z_]/.test(src[i + 1] ?? "")) {
      i++;
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      path.push(m![0]);
      i += m![0].length;
    }
    return path;
  };
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(src.slice(i));
      if (!m) fail("unterminated quoted string");
      toks.push({ k: "lit", v: JSON.parse(m![0]) as string });
      i += m![0].length;
    } else if (ch === "`") {
      const end = src.indexOf("`", i + 1);
      if (end < 0) fail("unterminated raw quoted string");
      toks.push({ k: "lit", v: src.slice(i + 1, end) });
      i = end + 1;
    } else if (ch === "." && !/[0-9]/.test(src[i + 1] ?? "")) {
      if (/[A-Za-z_]/.test(src[i + 1] ?? "")) toks.push({ k: "field", v: readPath() });
      else {
        toks.push({ k: "field", v: [] });
        i++;
      }
    } else if (ch === "$") {
      const m = /^\$[A-Za-z0-9_]*/.exec(src.slice(i))!;
      i += m[0].length;
      toks.push({ k: "var", v: m[0], path: readPath() });
    } else if (/[-+0-9.]/.test(ch) && /^[-+]?(\d|\.\d)/.test(src.slice(i))) {
      const m = /^[-+]?(0x[0-9a-fA-F]+|\d*\.?\d+(?:[eE][-+]?\d+)?)/.exec(src.slice(i))!;
      toks.push({ k: "lit", v: Number(m[0]) });
      i += m[0].length;
    } else if (src.startsWith(":=", i)) {
      toks.push({ k: "op", v: ":=" });
      i += 2;
    } else if ("|()=,".includes(ch)) {
      toks.push({ k: "op", v: ch });
      i++;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      i += m[0].length;
      const word = m[0];
      if (word === "true" || word === "false") toks.push({ k: "lit", v: word === "true" });
      else if (word === "nil") toks.push({ k: "lit", v: null });
      else toks.push({ k: "ident", v: word });
      // `(pipeline).field` chains are handled by the parser; a field right after an ident is an error in Go.
    } else if (ch === "'") {
      const m = /^'(\\.|[^'])'/.exec(src.slice(i));
      if (!m) fail("malformed character constant");
      toks.push({ k: "lit", v: (JSON.parse(`"${m![1]}"`) as string).codePointAt(0) });
      i += m![0].length;
    } else {
      fail(`unexpected "${ch}" in command`);
    }
  }
  return toks;
}

// ---- parsing ------------------------------------------------------------------------------

type Arg =
  | { t: "field"; path: string[] }
  | { t: "var"; name: string; path: string[] }
  | { t: "fn"; name: string }
  | { t: "lit"; v: unknown }
  | { t: "pipe"; pipe: Pipe; path: string[] };
type Cmd = Arg[];
interface Pipe {
  decl: string[];
  assign: boolean;
  cmds: Cmd[];
}
type Node =
  | { t: "text"; v: string }
  | { t: "action"; pipe: Pipe }
  | { t: "if" | "with"; pipe: Pipe; list: Node[]; elseList: Node[] }
  | { t: "range"; pipe: Pipe; list: Node[]; elseList: Node[] }
  | { t: "template"; name: string; pipe: Pipe | null }
  | { t: "break" | "continue" };

interface Action {
  kind: "text" | "action";
  text: string;
}

function splitSource(src: string, name: string): Action[] {
  const out: Action[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    if (open < 0) {
      out.push({ kind: "text", text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith("- ", start) || src.startsWith("-\t", start) || src.startsWith("-\n", start)) {
      text = text.replace(/\s+$/, "");
      start++;
    }
    if (text !== "") out.push({ kind: "text", text });
    let close: number;
    if (src.startsWith("/*", src.slice(start).search(/\S/) + start)) {
      const endComment = src.indexOf("*/", start);
      if (endComment < 0) throw new GoError(`template: ${name}: unclosed comment`);
      close = src.indexOf("}}", endComment);
    } else {
      close = findClose(src, start);
    }
    if (close < 0) throw new GoError(`template: ${name}: unclosed action`);
    let body = src.slice(start, close);
    i = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      const rest = src.slice(i);
      i += rest.length - rest.replace(/^\s+/, "").length;
    }
    if (/^\s*\/\*[\s\S]*\*\/\s*$/.test(body)) continue;
    out.push({ kind: "action", text: body.trim() });
  }
  return out;
}

/** The end of an action, skipping `}}` inside quoted strings. */
function findClose(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === "\\" ? 2 : 1;
    } else if (ch === "`") {
      i = src.indexOf("`", i + 1);
      if (i < 0) return -1;
    } else if (src.startsWith("}}", i)) return i;
    i++;
  }
  return -1;
}

class Parser {
  readonly #actions: Action[];
  readonly #name: string;
  readonly defines = new Map<string, Node[]>();
  #pos = 0;

  constructor(src: string, name: string) {
    this.#actions = splitSource(src, name);
    this.#name = name;
  }

  #fail(msg: string): never {
    throw new GoError(`template: ${this.#name}: ${msg}`);
  }

  parse(): Node[] {
    const [list, end] = this.#list();
    if (end !== null) this.#fail(`unexpected {{${end}}}`);
    return list;
  }

  /** Parses nodes up to `end`/`else …` (returned) or the end of input (null). */
  #list(): [Node[], string | null] {
    const nodes: Node[] = [];
    while (this.#pos < this.#actions.length) {
      const a = this.#actions[this.#pos++]!;
      if (a.kind === "text") {
        nodes.push({ t: "text", v: a.text });
        continue;
      }
      const word = /^[a-z]+/.exec(a.text)?.[0] ?? "";
      const rest = a.text.slice(word.length).trim();
      switch (word) {
        case "end":
        case "else":
          return [nodes, a.text];
        case "if":
        case "with":
        case "range":
          nodes.push(this.#block(word, rest));
          break;
        case "define": {
          const name = this.#stringArg(rest);
          const [body, end] = this.#list();
          if (end !== "end") this.#fail("unexpected EOF in define");
          this.defines.set(name, body);
          break;
        }
        case "block": {
          const m = /^("(?:[^"\\]|\\.)*"|`[^`]*`)\s*(.*)$/s.exec(rest);
          if (!m) this.#fail("block needs a name");
          const name = this.#stringArg(m[1]!);
          const [body, end] = this.#list();
          if (end !== "end") this.#fail("unexpected EOF in block");
          this.defines.set(name, body);
          nodes.push({ t: "template", name, pipe: m[2] ? this.#pipe(m[2]) : null });
          break;
        }
        case "template": {
          const m = /^("(?:[^"\\]|\\.)*"|`[^`]*`)\s*(.*)$/s.exec(rest);
          if (!m) this.#fail("template needs a name");
          nodes.push({ t: "template", name: this.#stringArg(m[1]!), pipe: m[2] ? this.#pipe(m[2]) : null });
          break;
        }
        case "break":
        case "continue":
          nodes.push({ t: word });
          break;
        default:
          nodes.push({ t: "action", pipe: this.#pipe(a.text) });
      }
    }
    return [nodes, null];
  }

  #stringArg(text: string): string {
    const toks = tokenizeAction(text, this.#name);
    const tok = toks[0];
    if (toks.length !== 1 || tok?.k !== "lit" || typeof tok.v !== "string")
      this.#fail("expected a quoted name");
    return tok.v;
  }

  #block(kind: "if" | "with" | "range", rest: string): Node {
    const pipe = this.#pipe(rest);
    const [list, end] = this.#list();
    if (end === null) this.#fail(`unexpected EOF in ${kind}`);
    let elseList: Node[] = [];
    if (end !== "end") {
      const elseRest = end.slice(4).trim();
      if (elseRest.startsWith("if ") || elseRest.startsWith("with ")) {
        // `else if x` / `else with x`: a nested block that shares our `end`.
        const word = elseRest.startsWith("if ") ? "if" : "with";
        elseList = [this.#block(word, elseRest.slice(word.length))];
      } else {
        const [l, e2] = this.#list();
        if (e2 !== "end") this.#fail(`expected end after else in ${kind}`);
        elseList = l;
      }
    }
    return kind === "range" ? { t: "range", pipe, list, elseList } : { t: kind, pipe, list, elseList };
  }

  #pipe(text: string): Pipe {
    const toks = tokenizeAction(text, this.#name);
    let pos = 0;
    const decl: string[] = [];
    let assign = false;
    // `$x :=`, `$i, $e :=`, `$x =`
    const declEnd = toks.findIndex((t) => t.k === "op" && (t.v === ":=" || t.v === "="));
    if (declEnd > 0 && toks.slice(0, declEnd).every((t) => t.k === "var" || (t.k === "op" && t.v === ","))) {
      for (const t of toks.slice(0, declEnd)) if (t.k === "var") decl.push(t.v);
      assign = (toks[declEnd] as { v: string }).v === "=";
      pos = declEnd + 1;
    }
    const parsePipe = (stopAtParen: boolean): Cmd[] => {
      const cmds: Cmd[] = [[]];
      while (pos < toks.length) {
        const t = toks[pos]!;
        if (t.k === "op" && t.v === ")") {
          if (!stopAtParen) this.#fail("unexpected )");
          return cmds;
        }
        pos++;
        const cmd = cmds[cmds.length - 1]!;
        if (t.k === "op" && t.v === "|") cmds.push([]);
        else if (t.k === "op" && t.v === "(") {
          const inner = parsePipe(true);
          if (toks[pos]?.k !== "op" || (toks[pos] as { v: string }).v !== ")")
            this.#fail("unclosed left paren");
          pos++;
          cmd.push({
            t: "pipe",
            pipe: { decl: [], assign: false, cmds: inner },
            path: this.#trailingPath(
              toks,
              () => pos,
              (p) => (pos = p),
            ),
          });
        } else if (t.k === "field") cmd.push({ t: "field", path: t.v });
        else if (t.k === "var") cmd.push({ t: "var", name: t.v, path: t.path });
        else if (t.k === "ident") cmd.push({ t: "fn", name: t.v });
        else if (t.k === "lit") cmd.push({ t: "lit", v: t.v });
        else this.#fail(`unexpected "${t.v}"`);
      }
      if (stopAtParen) this.#fail("unclosed left paren");
      return cmds;
    };
    const cmds = parsePipe(false);
    if (cmds.some((c) => c.length === 0)) this.#fail("missing value for command");
    return { decl, assign, cmds };
  }

  /** Field chain right after `)`: `(pipe).a.b`. */
  #trailingPath(toks: Tok[], get: () => number, set: (p: number) => void): string[] {
    const t = toks[get()];
    if (t?.k === "field" && t.v.length > 0) {
      set(get() + 1);
      return t.v;
    }
    return [];
  }
}

// ---- execution ----------------------------------------------------------------------------

class BreakSignal extends Error {}
class ContinueSignal extends Error {}

/** Go's truthiness: false, 0, nil, "" and empty collections are false. */
function truth(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
    return Object.keys(v).length > 0;
  return true;
}

/** Go's `fmt.Sprint` of a value. */
function goPrint(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v instanceof SafeHtml) return v.html;
  if (Array.isArray(v)) return `[${v.map(goPrint).join(" ")}]`;
  if (typeof v === "object") {
    const str = (v as { string?: unknown }).string;
    if (typeof str === "function") return String((str as () => unknown).call(v));
    if (Object.getPrototypeOf(v) === Object.prototype) {
      const entries = Object.keys(v as Obj)
        .sort()
        .map((k) => `${k}:${goPrint((v as Obj)[k])}`);
      return `map[${entries.join(" ")}]`;
    }
    return (v as { toString(): string }).toString();
  }
  return typeof v === "symbol" ? v.toString() : "<func>";
}

/** html/template's escaping of text. */
export function escapeHtml(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) =>
    c === "&"
      ? "&amp;"
      : c === "'"
        ? "&#39;"
        : c === "<"
          ? "&lt;"
          : c === ">"
            ? "&gt;"
            : c === '"'
              ? "&#34;"
              : "\uFFFD",
  );
}

function sprintf(format: string, args: unknown[]): string {
  let i = 0;
  return (
    format.replace(
      /%([-+ 0#]*)(\d*)(?:\.(\d+))?([vsdqfgtxXeT%])/g,
      (whole, flags: string, width: string, prec: string | undefined, verb: string) => {
        if (verb === "%") return "%";
        if (i >= args.length) return `%!${verb}(MISSING)`;
        const a = args[i++];
        let out: string;
        switch (verb) {
          case "d":
            out = typeof a === "number" ? String(Math.trunc(a)) : `%!d(${goPrint(a)})`;
            break;
          case "f":
            out =
              typeof a === "number" ? a.toFixed(prec === undefined ? 6 : Number(prec)) : `%!f(${goPrint(a)})`;
            break;
          case "q":
            out = JSON.stringify(goPrint(a));
            break;
          case "x":
          case "X":
            out = typeof a === "number" ? a.toString(16) : Buffer.from(goPrint(a)).toString("hex");
            if (verb === "X") out = out.toUpperCase();
            break;
          case "t":
            out = typeof a === "boolean" ? String(a) : `%!t(${goPrint(a)})`;
            break;
          case "T":
            out =
              a === null
                ? "<nil>"
                : typeof a === "number"
                  ? Number.isInteger(a)
                    ? "int"
                    : "float64"
                  : typeof a;
            break;
          default:
            out = prec !== undefined && verb === "s" ? goPrint(a).slice(0, Number(prec)) : goPrint(a);
        }
        void whole;
        if (!width) return out;
        if (flags.includes("-")) return out.padEnd(Number(width));
        if (flags.includes("0") && /^-?\d/.test(out)) {
          const negative = out.startsWith("-");
          return (
            (negative ? "-" : "") +
            out.slice(negative ? 1 : 0).padStart(Number(width) - (negative ? 1 : 0), "0")
          );
        }
        return out.padStart(Number(width));
      },
    ) + (i < args.length ? `%!(EXTRA ${args.slice(i).map(goPrint).join(", ")})` : "")
  );
}

function compare(a: unknown, b: unknown, name: string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw new GoError(`error calling ${name}: incompatible types for comparison`);
}

const BUILTINS: { [name: string]: Fn } = {
  not: (a) => !truth(a),
  len: (a) => {
    if (typeof a === "string") return Buffer.byteLength(a);
    if (Array.isArray(a)) return a.length;
    if (a && typeof a === "object") return Object.keys(a).length;
    throw new GoError(`error calling len: len of type ${typeof a}`);
  },
  index: (a, ...keys) => {
    let cur = a;
    for (const k of keys) {
      if (cur === null || cur === undefined) throw new GoError("error calling index: index of untyped nil");
      cur = (cur as Obj)[String(k)];
    }
    return cur ?? null;
  },
  slice: (a, ...idx) => {
    const [from, to] = idx.map(Number);
    if (typeof a === "string" || Array.isArray(a)) return a.slice(from ?? 0, to);
    throw new GoError("error calling slice: can't slice item");
  },
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b, "lt") < 0,
  le: (a, b) => compare(a, b, "le") <= 0,
  gt: (a, b) => compare(a, b, "gt") > 0,
  ge: (a, b) => compare(a, b, "ge") >= 0,
  print: (...args) =>
    args
      .map(
        (a, i) => (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string" ? " " : "") + goPrint(a),
      )
      .join(""),
  printf: (format, ...args) => sprintf(String(format), args),
  println: (...args) => `${args.map(goPrint).join(" ")}\n`,
  html: (...args) => escapeHtml(args.map(goPrint).join("")),
  js: (...args) =>
    JSON.stringify(args.map(goPrint).join(""))
      .slice(1, -1)
      .replace(/'/g, "\\'")
      .replace(/</g, "\\u003C")
      .replace(/>/g, "\\u003E"),
  urlquery: (...args) => encodeURIComponent(args.map(goPrint).join("")).replace(/%20/g, "+"),
  call: (fn, ...args) => {
    if (typeof fn !== "function") throw new GoError("error calling call: non-function");
    return (fn as Fn)(...args);
  },
  raw: (s) => new SafeHtml(goPrint(s)),
};

class Exec {
  readonly #defines: Map<string, Node[]>;
  readonly #funcs: { [name: string]: Fn };
  #out = "";

  constructor(defines: Map<string, Node[]>, funcs: { [name: string]: Fn }) {
    this.#defines = defines;
    this.#funcs = funcs;
  }

  run(nodes: Node[], dot: unknown): string {
    const vars = new Map<string, unknown>([["$", dot]]);
    this.#walk(nodes, dot, vars, 0);
    return this.#out;
  }

  #walk(nodes: Node[], dot: unknown, vars: Map<string, unknown>, depth: number): void {
    if (depth > 1000) throw new GoError("template: exceeded maximum template depth (100000)");
    for (const n of nodes) {
      switch (n.t) {
        case "text":
          this.#out += n.v;
          break;
        case "action": {
          const v = this.#pipe(n.pipe, dot, vars);
          if (n.pipe.decl.length === 0)
            this.#out +=
              v instanceof SafeHtml ? v.html : escapeHtml(v === null || v === undefined ? "" : goPrint(v));
          break;
        }
        case "if":
        case "with": {
          const scope = new Map(vars);
          const v = this.#pipe(n.pipe, dot, scope);
          if (truth(v)) this.#walk(n.list, n.t === "with" ? v : dot, scope, depth + 1);
          else this.#walk(n.elseList, dot, scope, depth + 1);
          break;
        }
        case "range": {
          const scope = new Map(vars);
          const decl = n.pipe.decl;
          const v = this.#pipe({ ...n.pipe, decl: [] }, dot, scope);
          const items: [unknown, unknown][] = Array.isArray(v)
            ? v.map((x, i) => [i, x])
            : typeof v === "number"
              ? Array.from({ length: Math.max(0, v) }, (_, i) => [i, i])
              : v && typeof v === "object"
                ? Object.keys(v)
                    .sort()
                    .map((k) => [k, (v as Obj)[k]])
                : [];
          if (items.length === 0) {
            this.#walk(n.elseList, dot, scope, depth + 1);
            break;
          }
          for (const [key, item] of items) {
            const inner = new Map(scope);
            if (decl.length === 1) inner.set(decl[0]!, item);
            if (decl.length === 2) {
              inner.set(decl[0]!, key);
              inner.set(decl[1]!, item);
            }
            try {
              this.#walk(n.list, item, inner, depth + 1);
            } catch (signal) {
              if (signal instanceof BreakSignal) break;
              if (signal instanceof ContinueSignal) continue;
              throw signal;
            }
          }
          break;
        }
        case "template": {
          const body = this.#defines.get(n.name);
          if (!body) throw new GoError(`template: no such template "${n.name}"`);
          const v = n.pipe ? this.#pipe(n.pipe, dot, vars) : null;
          this.#walk(body, v, new Map([["$", v]]), depth + 1);
          break;
        }
        case "break":
          throw new BreakSignal();
        case "continue":
          throw new ContinueSignal();
      }
    }
  }

  #pipe(p: Pipe, dot: unknown, vars: Map<string, unknown>): unknown {
    let value: unknown = undefined;
    p.cmds.forEach((cmd, i) => {
      value = this.#cmd(cmd, dot, vars, i === 0 ? [] : [value]);
    });
    for (const name of p.decl) {
      if (p.assign && !vars.has(name)) throw new GoError(`template: undefined variable: ${name}`);
      vars.set(name, value);
    }
    return value;
  }

  #cmd(cmd: Cmd, dot: unknown, vars: Map<string, unknown>, piped: unknown[]): unknown {
    const [head, ...rest] = cmd;
    if (head?.t === "fn") {
      const fn = this.#funcs[head.name] ?? BUILTINS[head.name];
      if (head.name === "and" || head.name === "or") {
        const args = [...rest.map((a) => () => this.#arg(a, dot, vars)), ...piped.map((v) => () => v)];
        let last: unknown = null;
        for (const get of args) {
          last = get();
          if (head.name === "and" ? !truth(last) : truth(last)) return last;
        }
        return last;
      }
      if (!fn) throw new GoError(`template: function "${head.name}" not defined`);
      return fn(...rest.map((a) => this.#arg(a, dot, vars)), ...piped);
    }
    if (rest.length > 0 || piped.length > 0) {
      // A method with arguments: `.obj.method arg`.
      if (head?.t === "field" && head.path.length > 0) {
        const recv = resolvePath(dot, head.path.slice(0, -1));
        const m = (recv as Obj | null)?.[head.path[head.path.length - 1]!];
        if (typeof m === "function")
          return (m as Fn).call(recv, ...rest.map((a) => this.#arg(a, dot, vars)), ...piped);
      }
      throw new GoError("template: can't give argument to non-function");
    }
    return this.#arg(head!, dot, vars);
  }

  #arg(a: Arg, dot: unknown, vars: Map<string, unknown>): unknown {
    switch (a.t) {
      case "lit":
        return a.v;
      case "field":
        return resolvePath(dot, a.path);
      case "var": {
        if (!vars.has(a.name)) throw new GoError(`template: undefined variable: ${a.name}`);
        return resolvePath(vars.get(a.name), a.path);
      }
      case "pipe":
        return resolvePath(this.#pipe(a.pipe, dot, vars), a.path);
      case "fn": {
        const fn = this.#funcs[a.name] ?? BUILTINS[a.name];
        if (!fn) throw new GoError(`template: function "${a.name}" not defined`);
        return fn();
      }
    }
  }
}

/** Field lookup; methods are called without arguments, as Go templates do. */
function resolvePath(value: unknown, path: string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (cur === null || cur === undefined) return null;
    const next = (cur as Obj)[key];
    cur = typeof next === "function" ? (next as Fn).call(cur) : next;
  }
  return cur === undefined ? null : cur;
}

// ---- registry ---------------------------------------------------------------------------

/** A parsed template set ready to render. */
export class Renderer {
  readonly #root: string;
  readonly #defines: Map<string, Node[]>;
  readonly #funcs: { [name: string]: Fn };
  readonly #error: Error | null;

  constructor(
    root: string,
    defines: Map<string, Node[]>,
    funcs: { [name: string]: Fn },
    error: Error | null,
  ) {
    this.#root = root;
    this.#defines = defines;
    this.#funcs = funcs;
    this.#error = error;
  }

  /** Executes the template with `data` as dot; throws parse and execution errors. */
  render(data?: unknown): string {
    if (this.#error) throw this.#error;
    const root = this.#defines.get(this.#root);
    if (!root) throw new GoError(`template: no such template "${this.#root}"`);
    return new Exec(this.#defines, this.#funcs).run(root, data ?? null);
  }
}

/** `$template`: a registry of parsed templates, cached by their sources' paths. */
export class TemplateRegistry {
  readonly #funcs: { [name: string]: Fn } = {};
  readonly #cache = new Map<string, Renderer>();

  /** Adds template functions (`{{myFn .x}}`); returns the registry. */
  addFuncs(funcs: unknown): TemplateRegistry {
    if (funcs && typeof funcs === "object") {
      for (const [k, f] of Object.entries(funcs)) if (typeof f === "function") this.#funcs[k] = f as Fn;
    }
    return this;
  }

  #cached(key: string, build: () => [string, { name: string; src: string }[]]): Renderer {
    const cacheKey = `${key}\u0000${Object.keys(this.#funcs).sort().join(",")}`;
    let r = this.#cache.get(cacheKey);
    if (r) return r;
    try {
      const [root, sources] = build();
      const defines = new Map<string, Node[]>();
      for (const { name, src } of sources) {
        const parser = new Parser(src, name);
        const nodes = parser.parse();
        defines.set(name, nodes);
        for (const [n, body] of parser.defines) defines.set(n, body);
      }
      r = new Renderer(root, defines, { ...this.#funcs }, null);
    } catch (err) {
      r = new Renderer("", new Map(), {}, err instanceof Error ? err : new GoError(String(err)));
    }
    this.#cache.set(cacheKey, r);
    return r;
  }

  /** Parses files (paths relative to the process cwd); the first file's base name is the root. */
  loadFiles(...paths: string[]): Renderer {
    return this.#cached(`files:${paths.join(",")}`, () => {
      if (paths.length === 0) throw new GoError("template: no files named in call to ParseFiles");
      const sources = paths.map((p) => ({ name: filepath.base(p), src: readTemplate(p) }));
      return [sources[0]!.name, sources];
    });
  }

  /** Parses a template text. */
  loadString(text: string): Renderer {
    return this.#cached(`string:${text}`, () => ["", [{ name: "", src: String(text) }]]);
  }

  /** Parses the files matching `globs` in a directory file system (`$os.dirFS(dir)`). */
  loadFS(fsys: unknown, ...globs: string[]): Renderer {
    const dir =
      fsys && typeof fsys === "object" && typeof (fsys as Obj).dir === "string"
        ? ((fsys as Obj).dir as string)
        : ".";
    return this.#cached(`fs:${dir}:${globs.join(",")}`, () => {
      const files = globs.flatMap((g) => glob(filepath.join(dir, g)));
      if (files.length === 0) throw new GoError(`template: pattern matches no files: ${globs.join(", ")}`);
      const sources = files.map((p) => ({ name: filepath.base(p), src: readTemplate(p) }));
      return [sources[0]!.name, sources];
    });
  }
}

function readTemplate(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new GoError(`open ${path}: no such file or directory`);
  }
}

/** The shared `$template` registry of this worker. */
export const template = new TemplateRegistry();
