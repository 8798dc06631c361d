/**
 * Writes `<dataDir>/types.d.ts` (types-file.ts) from a short-lived worker thread, and only when
 * Satchel's code changed since the file was written. Generating it loads and type-strips the
 * whole script library: seconds of CPU and about 18 MB that would otherwise stay in the server's
 * heap, for a file that is the same on every start of the same build.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import pkg from "../../package.json" with { type: "json" };
import { executableDir } from "../tools/runtime.ts";
import { workerEntry } from "../tools/workers.ts";

/** The first line of a written file names the code it was generated from. */
const FIRST_LINE_PREFIX = "// satchel-types ";

/** The newest modification time under `dir` (recursively), in ms. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * What the generated file depends on: the version and the newest source file (a checkout or
 * the npm package's compiled sources), or the executable itself.
 */
function codeFingerprint(): string {
  const exe = executableDir();
  if (exe) return `${pkg.version} exe ${statSync(process.execPath).mtimeMs}`;
  // This module is src/hooks/types-file-thread.ts (lib/src/hooks/… in the npm package).
  const sources = fileURLToPath(new URL("..", import.meta.url));
  return `${pkg.version} ${existsSync(sources) ? newestMtime(sources) : 0}`;
}

/** Whether the types file at `path` was written by this same code. */
function isCurrent(path: string, fingerprint: string): boolean {
  try {
    const head = readFileSync(path, "utf8").slice(0, 200);
    return head.startsWith(`${FIRST_LINE_PREFIX}${fingerprint}\n`);
  } catch {
    return false;
  }
}

/** Brings the types file up to date; resolves when done. Failures go to `log`, never throw. */
export function writeTypesFileInThread(dataDir: string, log: (message: string) => void): Promise<void> {
  let fingerprint: string;
  try {
    fingerprint = codeFingerprint();
  } catch {
    fingerprint = `${pkg.version} ${Date.now()}`;
  }
  if (isCurrent(join(dataDir, "types.d.ts"), fingerprint)) return Promise.resolve();
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(workerEntry("hooks/types-worker.ts"), {
        workerData: { dataDir, firstLine: `${FIRST_LINE_PREFIX}${fingerprint}` },
      });
    } catch (err) {
      log(`cannot write ${dataDir}/types.d.ts: ${err instanceof Error ? err.message : String(err)}`);
      resolve();
      return;
    }
    worker.on("message", (message: string) => log(message));
    worker.on("error", (err) => log(`cannot write ${dataDir}/types.d.ts: ${err.message}`));
    worker.once("exit", () => resolve());
  });
}
