/**
 * Writes `<dataDir>/types.d.ts` (types-file.ts) only when Satchel's code changed since the file
 * was written. Generating it loads the whole script library (about 18 MB that then stays in the
 * heap, and start-up CPU) for a file that is the same on every start of the same build. (A
 * worker thread was tried: its isolate cost more resident memory than it saved.)
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pkg from "../../package.json" with { type: "json" };
import { executableDir } from "../tools/runtime.ts";

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
  // This module is src/hooks/types-file-refresh.ts (lib/src/hooks/… in the npm package).
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

/** Brings the types file up to date. Failures go to `log`, never throw. */
export async function refreshTypesFile(dataDir: string, log: (message: string) => void): Promise<void> {
  let fingerprint: string;
  try {
    fingerprint = codeFingerprint();
  } catch {
    fingerprint = `${pkg.version} ${Date.now()}`;
  }
  if (isCurrent(join(dataDir, "types.d.ts"), fingerprint)) return;
  // Loaded only when needed: the generator imports the whole script library.
  const { writeTypesFile } = await import("./types-file.ts");
  writeTypesFile(dataDir, log, `${FIRST_LINE_PREFIX}${fingerprint}`);
}
