/**
 * `<dataDir>/types.d.ts`: the ambient types of the pb_hooks globals, written on `serve` as
 * PocketBase does, so `/// <reference path="../pb_data/types.d.ts" />` gives editor completion.
 * Generated from the script library and the hook catalogue; rewritten only when it changed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateTypesDts } from "./globals/types-dts.ts";

/**
 * Writes the types file, after `firstLine` when given (types-file-refresh.ts names the code it
 * was generated from there); a failure is reported to `log` and never stops the server.
 */
export function writeTypesFile(dataDir: string, log: (message: string) => void, firstLine?: string): void {
  const path = join(dataDir, "types.d.ts");
  try {
    const text = `${firstLine === undefined ? "" : `${firstLine}\n`}${generateTypesDts()}`;
    let current = "";
    try {
      current = readFileSync(path, "utf8");
    } catch {
      current = "";
    }
    if (current !== text) writeFileSync(path, text);
  } catch (err) {
    log(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
