/**
 * The systemd unit of docs/deploy.md is linted with `systemd-analyze verify` (skipped, saying
 * why, where systemd-analyze is not installed). The user and the executable it names don't
 * exist here, so the unit is verified with them swapped for ones that do.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "./helpers/server.ts";

const UNIT = fileURLToPath(new URL("../deploy/satchel.service", import.meta.url));
const missing =
  spawnSync("sh", ["-c", "command -v systemd-analyze"]).status === 0
    ? false
    : "systemd-analyze is not installed (Debian package systemd)";

test("deploy/satchel.service passes systemd-analyze verify", { skip: missing }, (t) => {
  const dir = tempDir(t, "satchel-unit-");
  const unit = readFileSync(UNIT, "utf8");
  assert.match(unit, /^ExecStart=\/opt\/satchel\/satchel serve /m);
  const local = unit
    .replaceAll("/opt/satchel/satchel", "/bin/true")
    .replaceAll("/opt/satchel", dir)
    .replace(/^User=.*$/m, "User=root")
    .replace(/^Group=.*$/m, "Group=root");
  const file = join(dir, "satchel.service");
  writeFileSync(file, local);
  const r = spawnSync("systemd-analyze", ["verify", "--man=no", file], { encoding: "utf8" });
  // Complaints about the machine (no running systemd, other units) are not about this unit.
  const about = `${r.stderr}${r.stdout}`.split("\n").filter((line) => line.includes("satchel.service"));
  assert.deepEqual(about, [], `${r.stderr}${r.stdout}`);
});
