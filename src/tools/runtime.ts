/**
 * What Satchel runs on: Node (from a checkout or the npm package) or the single executable
 * (Bun's `--compile`, see docs/deploy.md). The few places that differ ask here, never
 * `globalThis.Bun` directly.
 */
import { dirname } from "node:path";

interface BunGlobal {
  version: string;
  main: string;
}

const bun = (globalThis as { Bun?: BunGlobal }).Bun;

/** The runtime's name and version, e.g. `node v24.21.0` or `bun 1.4.5`. */
export function runtimeName(): string {
  return bun ? `bun ${bun.version}` : `node ${process.version}`;
}

/** True when running on Bun (compiled or not). */
export function isBun(): boolean {
  return bun !== undefined;
}

/**
 * The folder of the single executable when running as one, else null. A compiled Bun program's
 * modules live in a virtual file system (`/$bunfs/…`, `B:/~BUN/…` on Windows); the executable
 * itself is `process.execPath`.
 */
export function executableDir(): string | null {
  if (!bun || !/^(\/\$bunfs\/|[A-Z]:[\\/]~BUN[\\/])/.test(bun.main)) return null;
  return dirname(process.execPath);
}

/**
 * The folder of the bundle (`dist/bundle/`, built by scripts/bundle.js) as a `file:` URL with a
 * trailing slash when the code runs from it, else null. Every chunk of the bundle records it
 * first thing (its banner); from the bundle, `import.meta.url` is a chunk's URL, not the source
 * file's, so code that finds files next to itself asks here.
 */
export function bundleDir(): string | null {
  return (globalThis as { __satchelBundleDir?: string }).__satchelBundleDir ?? null;
}
