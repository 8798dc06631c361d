/**
 * Static assets shipped with Satchel (the dashboard's build, ui/dist/), read through one
 * function whether they are files in the package folder or embedded in the single executable.
 * The executable's build registers the embedded copy before anything else runs
 * (scripts/build-exe.ts); everything else reads the folder.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join, normalize, sep } from "node:path";
import { bundleDir } from "./runtime.ts";

/** A set of assets: a folder on disk, or embedded files by relative path. */
type Source = { folder: string } | { files: ReadonlyMap<string, string> };

/** The folders of the asset sets, relative to the package root. */
const FOLDERS: { [set: string]: string } = { dashboard: "ui/dist" };

const embedded = new Map<string, ReadonlyMap<string, string>>();

/** Registers an embedded copy of an asset set: relative path (with `/`) → readable file path. */
export function registerEmbeddedAssets(set: string, files: { [relativePath: string]: string }): void {
  embedded.set(set, new Map(Object.entries(files)));
}

function source(set: string): Source {
  const files = embedded.get(set);
  if (files) return { files };
  const folder = FOLDERS[set];
  if (!folder) throw new Error(`unknown asset set ${set}`);
  // The bundle is dist/bundle/ in the package folder.
  const bundle = bundleDir();
  if (bundle) return { folder: fileURLToPath(new URL(`../../${folder}/`, bundle)) };
  // This module is src/tools/assets.ts, or lib/src/tools/assets.js in the npm package.
  const up = import.meta.url.endsWith(".js") ? "../../../" : "../../";
  return { folder: fileURLToPath(new URL(`${up}${folder}/`, import.meta.url)) };
}

/**
 * The bytes of `path` (relative, `/`-separated, e.g. `assets/index.js`) in asset set `set`, or
 * null when there is no such file. Paths that climb out of the set are refused (null).
 */
export async function readAsset(set: string, path: string): Promise<Uint8Array | null> {
  const file = assetFile(set, path);
  if (!file) return null;
  try {
    return await readFile(file);
  } catch {
    return null;
  }
}

/**
 * The readable file behind an asset's relative path (a file in the folder, or the embedded
 * copy), or null for a path that leaves the set or that the embedded copy lacks.
 */
export function assetFile(set: string, path: string): string | null {
  const clean = normalize(path.replace(/^\/+/, "")).split(sep).join("/");
  if (clean.startsWith("..") || clean.includes("\0")) return null;
  const src = source(set);
  return "files" in src ? (src.files.get(clean) ?? null) : join(src.folder, clean);
}

/** Whether an asset set has anything at all (e.g. whether the dashboard was built). */
export async function hasAssets(set: string): Promise<boolean> {
  const src = source(set);
  if ("files" in src) return src.files.size > 0;
  return (await readAsset(set, "index.html")) !== null;
}
