// Builds the dashboard into ui/dist (served at /_/ by src/api/dashboard.ts).
// `base: "./"` keeps every asset URL relative, so the dashboard works under any path prefix.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

/** Writes `.br` and `.gz` beside every text asset so the server never compresses per request. */
function precompress(): Plugin {
  let outDir = "";
  return {
    name: "satchel-precompress",
    apply: "build",
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name);
          return statSync(path).isDirectory() ? walk(path) : [path];
        });
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg|json|txt)$/.test(file)) continue;
        const data = readFileSync(file);
        if (data.length < 512) continue;
        writeFileSync(file + ".gz", gzipSync(data, { level: 9 }));
        writeFileSync(
          file + ".br",
          brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  plugins: [
    svelte({
      // Props and state read once on purpose (initial values of a form) are not mistakes.
      onwarn(warning, handler) {
        if (warning.code === "state_referenced_locally") return;
        handler(warning);
      },
    }),
    precompress(),
  ],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    reportCompressedSize: false,
    modulePreload: { polyfill: false },
  },
});
