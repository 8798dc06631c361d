// `npm ci` / `npm install` (the `prepare` script) and `node scripts/bundle.js`: the server's
// sources bundled into a few ES modules under dist/bundle/, which `bin/satchel.js` runs instead
// of src/ while they match the sources (dist/bundle/manifest.json lists every input file with
// its size and modification time; one changed, moved or deleted file and bin/satchel.js runs
// src/ again). Why: Node loads each of the ~240 modules a start needs on its own (resolution,
// compile-cache lookup, linking), about half of a start's CPU; a bundle is ~40 files, the lazy
// parts still loaded on first use (code splitting). See docs/performance.md, "Cold start".
//
// Plain JavaScript, so that it runs on whatever Node runs `npm ci`; without rolldown (an install
// without devDependencies) it does nothing, and a failed build only warns: Satchel then runs its
// sources, as before.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "dist", "bundle");

// Every chunk sets this first (its banner), so the code can tell it runs from the bundle and
// where the bundle is (src/tools/runtime.ts, bundleDir()): import.meta.url of a chunk is no
// longer the URL of the source file it came from.
const BANNER = 'globalThis.__satchelBundleDir ??= new URL(".", import.meta.url).href;';

/** Whether dist/bundle/ was built by this Node from the same files into the same modules. */
function sameBundle(manifest, modules) {
  try {
    const old = JSON.parse(readFileSync(join(OUT, "manifest.json"), "utf8"));
    return (
      old.node === manifest.node &&
      JSON.stringify(old.files) === JSON.stringify(manifest.files) &&
      JSON.stringify(old.modules) === JSON.stringify(modules)
    );
  } catch {
    return false;
  }
}

/**
 * Node's built-in modules taken with `process.getBuiltinModule` instead of an ES import. An ES
 * `import … from "node:fs"` makes Node build the module's ES facade, which reads every export,
 * lazy ones included: `fs.ReadStream` loads Node's fs streams, fs/promises and readline (~10 ms
 * of a start); node:http's `WebSocket` loads undici (docs/performance.md, "Cold start and rest",
 * rounds 4 and 5). Each `node:` import resolves to a small module of ours that exports the
 * builtin's members that some code imports (the others are dropped by tree-shaking: the
 * `@__PURE__` reads).
 */
function builtinsWithoutFacades() {
  const PREFIX = "\0satchel-builtin:";
  return {
    name: "satchel-builtins-without-facades",
    resolveId(id) {
      // node:module stays an import: rolldown's own runtime takes createRequire from it, and
      // must have it before any chunk of ours runs.
      if (id === "node:module") return { id, external: true };
      if (id.startsWith("node:") && process.getBuiltinModule(id)) return PREFIX + id;
      return null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const name = id.slice(PREFIX.length);
      const keys = Object.keys(process.getBuiltinModule(name)).filter(
        (k) => k !== "default" && /^[A-Za-z_$][\w$]*$/.test(k),
      );
      const lines = [
        `const $$builtin = process.getBuiltinModule(${JSON.stringify(name)});`,
        "const $$read = (key) => $$builtin[key];",
        "export default $$builtin;",
        ...keys.map((k) => `export const ${k} = /* @__PURE__ */ $$read(${JSON.stringify(k)});`),
      ];
      return { code: lines.join("\n"), moduleSideEffects: false };
    },
  };
}

async function main() {
  let rolldown;
  try {
    rolldown = await import("rolldown");
  } catch {
    console.warn(
      "satchel: rolldown is not installed (no devDependencies); the server runs its sources unbundled.",
    );
    return;
  }
  // The worker entries and their names in the bundle (a TypeScript module: this needs a Node
  // that strips types, which `npm ci` with the devDependencies has: the `node` package).
  const { WORKER_ENTRIES, bundledWorkerName } = await import("../src/tools/workers.ts");
  /** Bundle entries: file name in dist/bundle/ (without .mjs) → source under src/. */
  const entries = { main: "main.ts", index: "index.ts" };
  for (const entry of WORKER_ENTRIES) entries[bundledWorkerName(entry)] = entry;
  const started = Date.now();
  const staging = `${OUT}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const input = Object.fromEntries(
    Object.entries(entries).map(([name, src]) => [name, join(ROOT, "src", src)]),
  );
  const bare = (id) => !id.startsWith(".") && !id.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(id);
  const result = await rolldown.build({
    input,
    platform: "node",
    plugins: [builtinsWithoutFacades()],
    // Packages stay imports, resolved from node_modules at run time (sharp, bcrypt: native).
    // (Node's builtins are not: see builtinsWithoutFacades.)
    external: (id) => bare(id) && !(id.startsWith("node:") && id !== "node:module"),
    logLevel: "warn",
    output: {
      dir: staging,
      format: "esm",
      entryFileNames: "[name].mjs",
      chunkFileNames: "[name]-[hash].mjs",
      banner: BANNER,
      sourcemap: false,
      // V8 keeps each module's source text in the heap for as long as the process runs (lazy
      // compilation, Function.prototype.toString), and stores a text with any character above
      // U+00FF in two bytes per character: one arrow in a doc comment doubled a whole chunk.
      // ASCII escapes and no comments: the modules a start loads held 1.97 MB of heap, now
      // 0.82 MB (rest RSS 62.4 -> 61.3 MB; docs/performance.md, "Memory, round 6"). Nothing
      // reads the bundle's comments (the types.d.ts generator reads src/), and without source
      // maps its stack traces were bundle lines already.
      charset: "ascii",
      comments: false,
    },
  });
  const inputs = new Set();
  for (const chunk of result.output) {
    if (chunk.type === "chunk") for (const id of chunk.moduleIds) if (existsSync(id)) inputs.add(id);
  }
  const files = [...inputs].sort().map((file) => {
    const s = statSync(file);
    return [relative(ROOT, file).split("\\").join("/"), s.size, s.mtimeMs];
  });
  const manifest = { node: process.version, built: new Date().toISOString(), files };
  const chunkNames = result.output.map((c) => c.fileName).sort();
  if (sameBundle(manifest, chunkNames)) {
    // Built from the same files into the same modules: leave the one in place alone (a server
    // running from it may still load its lazy modules; `npm pack` runs this during the tests).
    rmSync(staging, { recursive: true, force: true });
    console.log("satchel: dist/bundle is up to date");
    return;
  }
  manifest.modules = chunkNames;
  writeFileSync(join(staging, "manifest.json"), JSON.stringify(manifest));
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  // One rename: a start never sees half a bundle.
  renameSync(staging, OUT);
  const chunks = result.output.filter((c) => c.type === "chunk").length;
  console.log(
    `satchel: bundled ${files.length} source files into ${chunks} modules (dist/bundle) in ${Date.now() - started} ms`,
  );
}

main().catch((err) => {
  console.warn(
    `satchel: the bundle could not be built (the server runs its sources unbundled): ${err?.message ?? err}`,
  );
});
