/**
 * `node types-file-child.ts DATA_DIR FIRST_LINE`: writes DATA_DIR/types.d.ts and exits. Run by
 * types-file-refresh.ts so that the script library the generator loads never stays in the
 * server's memory. Messages go to stderr (the server logs them).
 */
import { enableCompileCache } from "node:module";

// Before the generator's modules load (as bin/satchel.js does): a later run skips type stripping.
enableCompileCache?.();
const [dataDir, firstLine] = process.argv.slice(2);
if (dataDir === undefined) {
  process.stderr.write("usage: types-file-child DATA_DIR [FIRST_LINE]\n");
  process.exitCode = 2;
} else {
  const { writeTypesFile } = await import("./types-file.ts");
  writeTypesFile(dataDir, (m) => process.stderr.write(`${m}\n`), firstLine);
}
