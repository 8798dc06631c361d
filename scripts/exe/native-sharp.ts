/**
 * sharp inside the single executable. sharp is a native addon plus libvips (a shared library
 * found through the addon's rpath, `$ORIGIN/../../sharp-libvips-<platform>/lib`); neither can
 * be loaded from the executable's embedded files, so on the first thumbnail both are written
 * once to a cache folder, in their npm layout, and the addon is loaded from there.
 * scripts/build-exe.ts swaps this module in for sharp's own loader (sharp/dist/sharp.mjs).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Embedded files: npm path (`@img/…`) → readable path inside the executable. */
export type EmbeddedFiles = { [npmPath: string]: string };

/**
 * The folder the native files go to: $SATCHEL_NATIVE_DIR, else the user's cache folder, else
 * the temp folder; one subfolder per content, so versions never mix.
 */
function cacheRoot(): string {
  if (process.env.SATCHEL_NATIVE_DIR) return process.env.SATCHEL_NATIVE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg) return join(xdg, "satchel");
  const home =
    process.env.HOME ??
    (() => {
      try {
        return homedir();
      } catch {
        return "";
      }
    })();
  return home && home !== "/" ? join(home, ".cache", "satchel") : join(tmpdir(), "satchel-native");
}

/** Writes the embedded files out (once) and loads the addon `addon` from there. */
export function loadEmbeddedSharp(files: EmbeddedFiles, addon: string): unknown {
  if (Object.keys(files).length === 0) {
    throw Object.assign(
      new Error(`thumbnails are not available in this build (${process.platform}-${process.arch})`),
      {
        code: "ERR_SATCHEL_NO_SHARP",
      },
    );
  }
  const hash = createHash("sha256");
  for (const [name, path] of Object.entries(files).sort())
    hash.update(name).update(String(statSync(path).size));
  const dir = join(cacheRoot(), `sharp-${hash.digest("hex").slice(0, 16)}`);
  for (const [name, path] of Object.entries(files)) {
    const target = join(dir, name);
    try {
      if (statSync(target).size === statSync(path).size) continue;
    } catch {
      // Not written yet.
    }
    mkdirSync(dirname(target), { recursive: true });
    // Written under a temporary name, then renamed: a concurrent start never loads half a file.
    const partial = `${target}.${process.pid}.partial`;
    writeFileSync(partial, readFileSync(path), { mode: 0o755 });
    renameSync(partial, target);
  }
  return createRequire(join(dir, "loader.cjs"))(join(dir, addon));
}
