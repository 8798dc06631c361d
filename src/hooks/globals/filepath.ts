/**
 * `$filepath` (jsvm-surface §3.7): Go's `path/filepath` on a POSIX system — lexical path
 * functions with Go's exact results (`clean("")` is `"."`, `ext(".bashrc")` is `".bashrc"`,
 * `join` skips empty parts), `match`/`glob` with Go's pattern syntax, and `walk`/`walkDir`
 * in lexical order. File info objects are shared with `$os`.
 */
import { lstatSync, readdirSync, statSync, type Stats } from "node:fs";
import { toGoString } from "../../core/fields/cast.ts";
import { GoError } from "./errors.ts";
import { GoTime } from "./datetime.ts";

const text = (v: unknown): string => toGoString(v);

/** Go's os.FileMode bits for the file type. */
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;

/** Go's `fs.FileInfo`. */
export class FileInfo {
  readonly #name: string;
  readonly #stats: Stats;

  constructor(name: string, stats: Stats) {
    this.#name = name;
    this.#stats = stats;
  }

  name(): string {
    return this.#name;
  }

  size(): number {
    return this.#stats.size;
  }

  /** Permission bits plus Go's type bits (dir = 1<<31, symlink = 1<<27). */
  mode(): number {
    let mode = this.#stats.mode & 0o777;
    if (this.#stats.isDirectory()) mode += MODE_DIR;
    if (this.#stats.isSymbolicLink()) mode += MODE_SYMLINK;
    return mode;
  }

  modTime(): GoTime {
    return new GoTime(this.#stats.mtimeMs);
  }

  isDir(): boolean {
    return this.#stats.isDirectory();
  }

  sys(): null {
    return null;
  }
}

/** Go's `fs.DirEntry`. */
export class DirEntry {
  readonly #dir: string;
  readonly #name: string;
  readonly #isDir: boolean;
  readonly #isSymlink: boolean;

  constructor(dir: string, name: string, isDir: boolean, isSymlink: boolean) {
    this.#dir = dir;
    this.#name = name;
    this.#isDir = isDir;
    this.#isSymlink = isSymlink;
  }

  name(): string {
    return this.#name;
  }

  isDir(): boolean {
    return this.#isDir;
  }

  /** The type bits of the mode (dir or symlink; 0 for a regular file). */
  type(): number {
    return this.#isDir ? MODE_DIR : this.#isSymlink ? MODE_SYMLINK : 0;
  }

  info(): FileInfo {
    return new FileInfo(
      this.#name,
      goFs("lstat", join(this.#dir, this.#name), (p) => lstatSync(p)),
    );
  }
}

const GO_ERRNO: { readonly [code: string]: string } = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "file exists",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  ENOTEMPTY: "directory not empty",
  EXDEV: "invalid cross-device link",
  EINVAL: "invalid argument",
};

/** Runs a sync fs call, turning Node's error into Go's `op path: reason` text. */
export function goFs<T>(op: string, path: string, fn: (path: string) => T): T {
  try {
    return fn(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason = typeof code === "string" ? (GO_ERRNO[code] ?? code.toLowerCase()) : String(err);
    throw new GoError(`${op} ${path}: ${reason}`, code === "ENOENT" ? 404 : 0);
  }
}

/** Go's `filepath.Clean`. */
export function clean(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/** Go's `filepath.Join`: empty parts skipped, result cleaned; `""` when all are empty. */
export function join(...parts: unknown[]): string {
  const kept = parts.map(text).filter((p) => p !== "");
  return kept.length === 0 ? "" : clean(kept.join("/"));
}

function split(p: string): [string, string] {
  const i = p.lastIndexOf("/");
  return [p.slice(0, i + 1), p.slice(i + 1)];
}

function base(p: string): string {
  if (p === "") return ".";
  const trimmed = p.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function ext(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== "/"; i--) if (p[i] === ".") return p.slice(i);
  return "";
}

/** Go's `filepath.Match`; throws `syntax error in pattern` on a malformed pattern. */
export function match(pattern: string, name: string): boolean {
  return patternRegex(pattern).test(name);
}

function patternRegex(pattern: string): RegExp {
  const bad = () => new GoError("syntax error in pattern");
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else if (ch === "\\") {
      i++;
      if (i >= pattern.length) throw bad();
      re += escapeRe(pattern[i]!);
    } else if (ch === "[") {
      let cls = "[";
      i++;
      if (pattern[i] === "^") {
        cls += "^/";
        i++;
      }
      let items = 0;
      for (;;) {
        if (i >= pattern.length) throw bad();
        let c = pattern[i]!;
        if (c === "]" && items > 0) break;
        if (c === "-" || c === "]") throw bad();
        if (c === "\\") {
          i++;
          if (i >= pattern.length) throw bad();
          c = pattern[i]!;
        }
        cls += escapeRe(c);
        if (pattern[i + 1] === "-" && pattern[i + 2] !== "]") {
          i += 2;
          let hi = pattern[i];
          if (hi === "\\") hi = pattern[++i];
          if (hi === undefined) throw bad();
          if (hi < c) throw bad();
          cls += `-${escapeRe(hi)}`;
        }
        items++;
        i++;
      }
      re += `${cls}]`;
    } else re += escapeRe(ch);
  }
  return new RegExp(`${re}$`, "s");
}

function escapeRe(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

const hasMeta = (p: string) => /[*?[\\]/.test(p);

/** Go's `filepath.Glob`: matching paths in lexical order (no error for unreadable dirs). */
export function glob(pattern: string): string[] {
  patternRegex(pattern); // malformed patterns throw even when nothing exists
  if (!hasMeta(pattern)) {
    try {
      lstatSync(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const [rawDir, file] = split(pattern);
  let dir = rawDir;
  dir = dir === "" ? "." : dir.length > 1 ? dir.replace(/\/+$/, "") : dir;
  const dirs = hasMeta(dir) ? glob(dir) : [dir];
  const out: string[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      if (!statSync(d).isDirectory()) continue;
      names = readdirSync(d).sort();
    } catch {
      continue;
    }
    const prefix = split(pattern)[0] === "" ? "" : d;
    for (const n of names) if (match(file, n)) out.push(prefix === "" ? n : join(prefix, n));
  }
  return out;
}

type WalkFn = (path: string, info: unknown, err: unknown) => unknown;

function walkTree(root: string, fn: WalkFn, entries: boolean): void {
  const visit = (path: string, isDir: boolean, item: unknown): void => {
    fn(path, item, null);
    if (!isDir) return;
    let names: string[];
    try {
      names = readdirSync(path).sort();
    } catch (err) {
      fn(path, item, new GoError(`open ${path}: ${String((err as Error).message)}`));
      return;
    }
    for (const n of names) {
      const child = join(path, n);
      const st = lstatSync(child);
      const childItem = entries
        ? new DirEntry(path, n, st.isDirectory(), st.isSymbolicLink())
        : new FileInfo(n, st);
      visit(child, st.isDirectory(), childItem);
    }
  };
  let st: Stats;
  try {
    st = lstatSync(root);
  } catch (err) {
    fn(
      root,
      null,
      new GoError(`lstat ${root}: ${GO_ERRNO[(err as { code?: string }).code ?? ""] ?? "error"}`),
    );
    return;
  }
  const item = entries
    ? new DirEntry(clean(join(root, "..")), base(root), st.isDirectory(), st.isSymbolicLink())
    : new FileInfo(base(root), st);
  visit(root, st.isDirectory(), item);
}

/** The `$filepath` namespace. */
export const filepath = {
  base: (p: string) => base(text(p)),
  clean: (p: string) => clean(text(p)),
  dir: (p: string) => clean(split(text(p))[0]),
  ext: (p: string) => ext(text(p)),
  fromSlash: (p: string) => text(p),
  glob: (pattern: string) => glob(text(pattern)),
  isAbs: (p: string) => text(p).startsWith("/"),
  join,
  match: (pattern: string, name: string) => match(text(pattern), text(name)),
  /** Go's `filepath.Rel` (lexical). */
  rel: (basePath: string, target: string): string => {
    const b = clean(text(basePath));
    const t = clean(text(target));
    if (b.startsWith("/") !== t.startsWith("/")) {
      throw new GoError(`Rel: can't make ${text(target)} relative to ${text(basePath)}`);
    }
    const bp = b === "." ? [] : b.split("/").filter(Boolean);
    const tp = t === "." ? [] : t.split("/").filter(Boolean);
    let i = 0;
    while (i < bp.length && i < tp.length && bp[i] === tp[i]) i++;
    if (bp.slice(i).includes(".."))
      throw new GoError(`Rel: can't make ${text(target)} relative to ${text(basePath)}`);
    const out = [...bp.slice(i).map(() => ".."), ...tp.slice(i)].join("/");
    return out === "" ? "." : out;
  },
  split: (p: string): [string, string] => split(text(p)),
  splitList: (p: string): string[] => (text(p) === "" ? [] : text(p).split(":")),
  toSlash: (p: string) => text(p),
  /** Calls `fn(path, fileInfo, err)` for every file under `root`, in lexical order. */
  walk: (root: string, fn: WalkFn) => walkTree(text(root), fn, false),
  /** Calls `fn(path, dirEntry, err)` for every file under `root`, in lexical order. */
  walkDir: (root: string, fn: WalkFn) => walkTree(text(root), fn, true),
};
