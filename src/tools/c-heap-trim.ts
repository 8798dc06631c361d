/**
 * Gives the C heap's free pages back to the kernel: glibc's `malloc_trim(0)`, called through
 * koffi (a C foreign-function interface with prebuilt binaries; Node has none of its own).
 *
 * Why: memory that SQLite (page caches, statements) and Node's native side (sockets, parsers,
 * buffers) malloc'd during a burst is freed afterwards, but glibc keeps the freed pages inside
 * its heap unless they sit at its very top, so the process's RSS stays at the burst's level.
 * Measured on the bench (deletes, rule scans, the chat scenarios): 30 s after the load 150 MB,
 * of which 69 MB in glibc's main heap; `malloc_trim(0)` brought the process to 91 MB (rest 80).
 *
 * Linux with glibc only (musl has no malloc_trim; other systems' allocators give memory back on
 * their own terms), never on the single executable (Bun has its own allocator and collection).
 * koffi is loaded at the first trim, not at start: it costs ~9 MB once loaded.
 */
import { isBun } from "./runtime.ts";

type Trim = (pad: number) => number;

let loading: Promise<Trim | null> | undefined;

function glibc(): boolean {
  if (process.platform !== "linux") return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return typeof report?.header?.glibcVersionRuntime === "string";
}

async function load(): Promise<Trim | null> {
  if (isBun() || !glibc()) return null;
  try {
    const { default: koffi } = await import("koffi");
    return koffi.load("libc.so.6").func("int malloc_trim(size_t pad)") as Trim;
  } catch {
    return null; // koffi's binary for this platform is missing: memory stays with the process
  }
}

/**
 * Trims the C heap (loading the binding the first time, so the first call's trim happens once
 * it is loaded). Resolves to whether a trim ran; never throws.
 */
export async function trimCHeap(): Promise<boolean> {
  const trim = await (loading ??= load());
  if (!trim) return false;
  try {
    trim(0);
    return true;
  } catch {
    return false;
  }
}
