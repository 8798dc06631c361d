/** Runs the `satchel` command from the sources in a child process, as a user's shell would. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** src/main.ts: the CLI, run from the sources (not the bundle) so the tests see their edits. */
export const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

/** What a finished command left. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `satchel …args` with `input` on stdin and resolves once it exits. */
export function runSatchel(args: string[], input = ""): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
