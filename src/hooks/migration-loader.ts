/**
 * Runs `pb_migrations` files: PocketBase's synchronous JavaScript (`migrate((app) => {…}, (app) =>
 * {…})`) on a worker of its own, with the same bridge, globals and model classes as pb_hooks. Each
 * run executes the file's top level (so, as in PocketBase, `up` and `down` may use file-level
 * variables) and then the function asked for, with `app` bound to the migration's transaction.
 * Every file is compiled before anything runs, so a syntax error names its file and line and
 * applies nothing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";
import type { App } from "../core/app.ts";
import type { MigrationLoader, MigrationScript } from "../core/migrations/app-migrations.ts";
import { AppHandles } from "./main-codec.ts";
import { createOps } from "./main-ops.ts";
import { RunError, WorkerPool } from "./pool.ts";
import type { FnSource } from "./registrations.ts";

/**
 * The file's text as a function of (app, direction). The header shares the file's first line, so
 * the file's line numbers stay the script's own.
 */
function wrap(text: string): string {
  return (
    "function (__satchelApp, __satchelDirection) { let __satchelMigration = null; " +
    "const migrate = (up, down) => { __satchelMigration = { up, down }; }; " +
    `${text}\n;` +
    'if (!__satchelMigration || typeof __satchelMigration.up !== "function") ' +
    'throw new Error("the file does not call migrate(up, down)"); ' +
    "const __satchelFn = __satchelMigration[__satchelDirection]; " +
    'if (typeof __satchelFn !== "function") return null; ' +
    "const __satchelResult = __satchelFn(__satchelApp); " +
    "if (__satchelResult instanceof Error) throw __satchelResult; " +
    "return null;\n}"
  );
}

/** The `file:line` of the first stack frame inside `file`, for error messages. */
function where(err: unknown, file: string): string {
  const stack =
    err instanceof RunError ? (err.wire.stack ?? "") : err instanceof Error ? (err.stack ?? "") : "";
  const frame = stack.split("\n").find((l) => l.includes(file));
  const match = frame ? /:(\d+)(?::\d+)?\)?\s*$/.exec(frame) : null;
  return match ? `${file}:${match[1]}` : file;
}

function message(err: unknown): string {
  const text =
    err instanceof RunError
      ? err.wire.message || err.error.message
      : err instanceof Error
        ? err.message
        : String(err);
  // a plain JS error's text carries its class name ("Error: boom"); the file and line say enough
  return text.replace(/^Error: /, "");
}

/**
 * A loader of the migration files of `app`'s migrations folder. Its worker starts on first use
 * and stops when `close` is called.
 */
export function migrationLoader(
  app: App,
  options: { hooksDir?: string; output?: (text: string) => void } = {},
): MigrationLoader & { close(): Promise<void> } {
  const handles = new AppHandles(app);
  let pool: WorkerPool | null = null;
  const getPool = (dir: string): WorkerPool => {
    pool ??= new WorkerPool({
      hooksDir: options.hooksDir ?? dir,
      handlers: [],
      size: 1,
      // a migration may take as long as it needs
      timeoutMs: 0,
      ops: createOps({
        app,
        handles,
        pool: () => pool!,
        cronAdd: () => {
          throw new Error("cronAdd is not available in migrations");
        },
        cronRemove: () => undefined,
        cronRemoveAll: () => undefined,
        cronJobs: () => [],
        log: (level, text) => process.stderr.write(`${level.toUpperCase()} ${text}\n`),
      }),
      log: (text) => process.stderr.write(`${text}\n`),
      ...(options.output ? { output: options.output } : {}),
    });
    return pool;
  };

  const load = async (dir: string, files: readonly string[]): Promise<MigrationScript[]> => {
    const scripts: MigrationScript[] = [];
    for (const file of files) {
      const path = join(dir, file);
      const source = wrap(readFileSync(path, "utf8"));
      try {
        // compiled here only to report syntax errors before anything is applied
        new vm.Script(`"use strict";(${source}\n)`, { filename: path });
      } catch (err) {
        const line = err instanceof Error ? /:(\d+)\n/.exec(err.stack ?? "")?.[1] : undefined;
        throw new Error(`failed to load migration ${path}${line ? `:${line}` : ""}: ${message(err)}`, {
          cause: err,
        });
      }
      const fn: FnSource = { source, file: path, line: 1 };
      const run = async (txApp: App, direction: "up" | "down") => {
        try {
          await getPool(dir).run(
            { kind: "source", fn },
            null,
            [{ $app: handles.idOf(txApp) }, direction],
            {},
          );
        } catch (err) {
          throw new Error(`${where(err, path)}: ${message(err)}`, { cause: err });
        } finally {
          handles.release(txApp);
        }
      };
      scripts.push({ file, up: (txApp) => run(txApp, "up"), down: (txApp) => run(txApp, "down") });
    }
    return scripts;
  };
  return Object.assign(load, {
    close: async () => {
      await pool?.close();
      pool = null;
    },
  });
}
