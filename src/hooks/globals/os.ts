/**
 * `$os` (jsvm-surface §3.3): environment, files and processes, synchronously (a worker may
 * block). Errors read like Go's (`open x: no such file or directory`). `exit` asks the main
 * thread (op `os.exit`) since a worker cannot end the process itself; `openRoot`/`openInRoot`
 * (Go's os.Root file handles) are not supported.
 */
import type * as ChildProcess from "node:child_process";
import { createRequire } from "node:module";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  lstatSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { toGoString } from "../../core/fields/cast.ts";
import type { SyncBridge } from "../wire.ts";
import { bytesOf, GoBytes } from "./bytes.ts";
import { GoError } from "./errors.ts";
import { DirEntry, FileInfo, filepath, goFs } from "./filepath.ts";

/** node:child_process, loaded on first `$os.exec`/`$os.cmd` (it costs every worker ~1 MB). */
const spawnSync = ((...args: Parameters<typeof ChildProcess.spawnSync>) =>
  (createRequire(import.meta.url)("node:child_process") as typeof ChildProcess).spawnSync(
    ...args,
  )) as typeof ChildProcess.spawnSync;

const text = (v: unknown): string => toGoString(v);
const perm = (v: unknown, fallback: number): number =>
  typeof v === "number" && v >= 0 ? v & 0o7777 : fallback;

function toBuffer(data: unknown): Buffer {
  const bytes = bytesOf(data);
  if (bytes) return bytes;
  if (Array.isArray(data)) return Buffer.from(data.map(Number));
  return Buffer.from(text(data), "utf8");
}

/** Go's `exec.Cmd`, run synchronously. */
export class Cmd {
  readonly path: string;
  readonly args: string[];
  /** Working directory (default: the process's). */
  dir = "";
  /** `KEY=value` entries; empty = inherit the process's environment. */
  env: string[] = [];
  /** Input written to the process (string or bytes). */
  stdin: unknown = null;
  #result: ReturnType<typeof spawnSync> | null = null;

  constructor(name: string, args: string[]) {
    this.path = name;
    this.args = [name, ...args];
  }

  #spawn(): ReturnType<typeof spawnSync> {
    const env =
      this.env.length === 0
        ? process.env
        : Object.fromEntries(
            this.env.map((kv) => {
              const i = kv.indexOf("=");
              return i < 0 ? [kv, ""] : [kv.slice(0, i), kv.slice(i + 1)];
            }),
          );
    const result = spawnSync(this.path, this.args.slice(1), {
      cwd: this.dir || undefined,
      env,
      input: this.stdin == null ? undefined : toBuffer(this.stdin),
      maxBuffer: 256 << 20,
    });
    this.#result = result;
    if (result.error) {
      const code = (result.error as { code?: string }).code;
      throw new GoError(
        code === "ENOENT" ? `exec: "${this.path}": executable file not found in $PATH` : result.error.message,
      );
    }
    return result;
  }

  #check(result: ReturnType<typeof spawnSync>): void {
    if (result.status !== 0) {
      throw new GoError(result.signal ? `signal: ${result.signal}` : `exit status ${String(result.status)}`);
    }
  }

  /** Runs the command and waits; throws `exit status N` on failure. */
  run(): void {
    this.#check(this.#spawn());
  }

  /** Runs the command and returns its stdout. */
  output(): GoBytes {
    const result = this.#spawn();
    this.#check(result);
    return GoBytes.fromData(toBuffer(result.stdout));
  }

  /** Runs the command and returns stdout and stderr together. */
  combinedOutput(): GoBytes {
    const result = this.#spawn();
    const out = Buffer.concat([toBuffer(result.stdout), toBuffer(result.stderr)]);
    this.#check(result);
    return GoBytes.fromData(out);
  }

  /** Starts the command (here: runs it to completion; `wait()` reports its result). */
  start(): void {
    this.#spawn();
  }

  /** Waits for a started command; throws on failure. */
  wait(): void {
    if (!this.#result) throw new GoError("exec: not started");
    this.#check(this.#result);
  }

  /** The exit code of a finished command (-1 when not finished). */
  exitCode(): number {
    return this.#result?.status ?? -1;
  }
}

function notSupported(what: string, instead: string): never {
  throw new Error(`not supported in Satchel: ${what}; use ${instead} instead`);
}

/** Builds the `$os` namespace (`exit` needs the main thread). */
export function createOs(bridge: SyncBridge | null) {
  const cmd = (name: string, ...args: unknown[]) => new Cmd(text(name), args.map(text));
  return {
    /** The process's command-line arguments (the program first). */
    args: process.argv.slice(1),
    cmd,
    /** Deprecated alias of `cmd`. */
    exec: cmd,
    /** Exits the whole process with `code`. */
    exit: (code?: number): void => {
      if (!bridge) throw new Error("$os.exit needs the app (no bridge in this realm)");
      bridge.call("os.exit", [typeof code === "number" ? Math.trunc(code) : 0]);
    },
    getenv: (key: string): string => process.env[text(key)] ?? "",
    /** A directory file system (for `$template.loadFS`). */
    dirFS: (dir: string) => ({ dir: text(dir) }),
    stat: (path: string): FileInfo =>
      new FileInfo(
        filepath.base(text(path)),
        goFs("stat", text(path), (p) => statSync(p)),
      ),
    readFile: (path: string): GoBytes => GoBytes.fromData(goFs("open", text(path), (p) => readFileSync(p))),
    writeFile: (path: string, data: unknown, mode?: number): void =>
      goFs("open", text(path), (p) => writeFileSync(p, toBuffer(data), { mode: perm(mode, 0o666) })),
    readDir: (path: string): DirEntry[] =>
      goFs("open", text(path), (p) =>
        readdirSync(p, { withFileTypes: true })
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
          .map((d) => new DirEntry(p, d.name, d.isDirectory(), d.isSymbolicLink())),
      ),
    tempDir: (): string => process.env.TMPDIR || tmpdir(),
    truncate: (path: string, size: number): void =>
      goFs("truncate", text(path), (p) => truncateSync(p, Math.max(0, Math.trunc(size)))),
    getwd: (): string => process.cwd(),
    mkdir: (path: string, mode?: number): void => {
      goFs("mkdir", text(path), (p) => mkdirSync(p, { mode: perm(mode, 0o777) }));
    },
    mkdirAll: (path: string, mode?: number): void => {
      goFs("mkdir", text(path), (p) => mkdirSync(p, { recursive: true, mode: perm(mode, 0o777) }));
    },
    rename: (oldPath: string, newPath: string): void =>
      goFs("rename", text(oldPath), (p) => renameSync(p, text(newPath))),
    /** Removes a file or an empty directory. */
    remove: (path: string): void =>
      goFs("remove", text(path), (p) => (lstatSync(p).isDirectory() ? rmdirSync(p) : unlinkSync(p))),
    /** Removes a path and everything under it (no error when missing). */
    removeAll: (path: string): void =>
      goFs("unlinkat", text(path), (p) => rmSync(p, { recursive: true, force: true })),
    openRoot: (): never => notSupported("$os.openRoot()", "$os.readFile/$os.writeFile with $filepath.join"),
    openInRoot: (): never =>
      notSupported("$os.openInRoot()", "$os.readFile/$os.writeFile with $filepath.join"),
  };
}
