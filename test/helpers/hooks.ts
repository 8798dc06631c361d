/**
 * pb_hooks test harness: a temp hooks folder with real script files, a test server on a copy of
 * a template data folder (with the `posts` fixture collection of jsvm-surface §7), and the
 * hooks runtime loaded against it. Runtime log lines are collected for assertions.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { App } from "../../src/core/app.ts";
import { collectionFromCreateBody } from "../../src/core/collections/collection-input.ts";
import { saveCollection } from "../../src/core/collections/collection-save.ts";
import { HooksRuntime } from "../../src/hooks/runtime.ts";
import { startTestServer, tempDir, type TestServer } from "./server.ts";

type Hookable = Parameters<typeof tempDir>[0];

/** Adds the `posts` collection of the jsvm-surface §7 fixtures (public rules). */
export async function seedPosts(app: App): Promise<void> {
  const users = app.findCollectionByNameOrId("users")!;
  const { collection } = collectionFromCreateBody({
    name: "posts",
    type: "base",
    listRule: "",
    viewRule: "",
    createRule: "",
    updateRule: "",
    deleteRule: "",
    fields: [
      { name: "title", type: "text", required: true },
      { name: "views", type: "number" },
      { name: "tags", type: "select", maxSelect: 4, values: ["a", "b", "c", "z"] },
      { name: "kind", type: "select", maxSelect: 1, values: ["a", "b"] },
      { name: "author", type: "relation", collectionId: users.id, maxSelect: 1 },
    ],
  });
  await saveCollection(app, collection);
}

/** Writes files (path relative to the folder → content) into a folder. */
export function writeFiles(dir: string, files: { [path: string]: string }): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

/** A test server with hooks loaded. */
export interface HooksServer extends TestServer {
  hooksDir: string;
  runtime: HooksRuntime;
  logs: string[];
  /** What scripts printed with console.*. */
  output: string[];
}

/** Options of `startHooksServer`. */
export interface HooksServerOptions {
  template: string;
  watch?: boolean;
  timeoutMs?: number;
  poolSize?: number;
}

/** Starts a server on a copy of `template` and loads `files` as its pb_hooks folder. */
export async function startHooksServer(
  t: Hookable,
  files: { [path: string]: string },
  options: HooksServerOptions,
): Promise<HooksServer> {
  const hooksDir = tempDir(t, "satchel-hooks-");
  writeFiles(hooksDir, files);
  const server = await startTestServer(t, { template: options.template });
  const logs: string[] = [];
  const output: string[] = [];
  const runtime = new HooksRuntime(server.app, {
    hooksDir,
    watch: options.watch ?? false,
    poolSize: options.poolSize ?? 2,
    timeoutMs: options.timeoutMs ?? 20_000,
    log: (m) => logs.push(m),
    output: (text) => output.push(text),
  });
  await runtime.start();
  t.after(() => runtime.close());
  return { ...server, hooksDir, runtime, logs, output };
}
