import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";

// Imports may only point down the layers (STYLE 11.2): tools ← query/files/realtime/auth ← core
// ← api ← hooks/plugins ← cli/main.
const LAYERS: Record<string, number> = {
  tools: 0,
  query: 1,
  files: 1,
  realtime: 1,
  auth: 1,
  core: 2,
  api: 3,
  hooks: 4,
  plugins: 4,
  cli: 5,
};

const SRC = resolve(import.meta.dirname, "../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : [];
  });
}

function layerOf(file: string): { name: string; level: number } | null {
  const top = relative(SRC, file).split("/")[0] ?? "";
  if (top === "main.ts") return { name: "main", level: 6 }; // the entry point sits on top of cli
  const level = LAYERS[top];
  return level === undefined ? null : { name: top, level };
}

test("source imports only point down the layers, and core never imports Hono", () => {
  const violations: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = layerOf(file);
    if (!from) continue;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^"']*?from\s+["']([^"']+)["']/gm)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) {
        const to = layerOf(resolve(dirname(file), spec));
        if (to && to.name !== from.name && to.level >= from.level) {
          violations.push(`${relative(SRC, file)} (${from.name}) imports ${spec} (${to.name})`);
        }
      } else if (
        (spec === "hono" || spec.startsWith("hono/") || spec.startsWith("@hono/")) &&
        from.level < 3
      ) {
        violations.push(`${relative(SRC, file)} (${from.name}) imports ${spec}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
