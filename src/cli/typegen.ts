/** `satchel typegen [--out FILE]`: writes TypeScript types of every collection's records. */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { App } from "../core/app.ts";
import { generateCollectionTypes } from "../core/collections/collection-typegen.ts";

/** The file written when `--out` is not given (the name pocketbase-typegen uses too). */
export const DEFAULT_TYPES_FILE = "pocketbase-types.ts";

/** Writes the types file; returns the exit code. */
export async function runTypegen(app: App, out: string | undefined): Promise<number> {
  await app.bootstrap();
  try {
    const collections = app.findAllCollections();
    const file = resolve(out ?? DEFAULT_TYPES_FILE);
    writeFileSync(file, generateCollectionTypes(collections));
    process.stdout.write(`Wrote the types of ${collections.length} collections to ${file}\n`);
    return 0;
  } finally {
    await app.terminate();
  }
}
