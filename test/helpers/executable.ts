/**
 * The single executable under test: `$SATCHEL_EXE`, else `dist/satchel` as `npm run build:exe`
 * writes it (CI builds it before `npm test`). Its tests skip, saying so, when it isn't built.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const EXECUTABLE =
  process.env.SATCHEL_EXE ?? fileURLToPath(new URL("../../dist/satchel", import.meta.url));

/** Why the executable's tests can't run, or false when they can. */
export function executableMissing(): string | false {
  return existsSync(EXECUTABLE) ? false : `${EXECUTABLE} is not built (run npm run build:exe)`;
}
