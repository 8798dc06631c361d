import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toString } from "./helpers.ts";
import { createOs } from "./os.ts";

test("$os file functions read and write like Go, with Go's error texts", () => {
  const os = createOs(null);
  assert.equal(Object.keys(os).length, 20);
  const dir = mkdtempSync(join(tmpdir(), "satchel-os-"));
  try {
    const file = join(dir, "a.txt");
    os.writeFile(file, "héllo", 0o644);
    assert.equal(toString(os.readFile(file)), "héllo");
    const st = os.stat(file);
    assert.equal(st.name(), "a.txt");
    assert.equal(st.size(), 6);
    assert.equal(st.isDir(), false);
    assert.equal(st.mode() & 0o777, 0o644);
    os.truncate(file, 1);
    assert.equal(toString(os.readFile(file)), "h");
    os.mkdirAll(join(dir, "x", "y"), 0o755);
    os.mkdir(join(dir, "z"), 0o755);
    assert.deepEqual(
      os.readDir(dir).map((d) => `${d.name()}:${d.isDir()}`),
      ["a.txt:false", "x:true", "z:true"],
    );
    os.rename(file, join(dir, "b.txt"));
    assert.throws(() => os.readFile(file), { message: `open ${file}: no such file or directory` });
    os.remove(join(dir, "z"));
    assert.throws(() => os.remove(join(dir, "x")), /directory not empty/);
    os.removeAll(join(dir, "x"));
    os.removeAll(join(dir, "missing"));
    assert.deepEqual(
      os.readDir(dir).map((d) => d.name()),
      ["b.txt"],
    );
    assert.equal(os.getwd(), process.cwd());
    assert.equal(typeof os.tempDir(), "string");
    assert.equal(os.getenv("SATCHEL_SURELY_UNSET_VAR"), "");
    assert.throws(() => os.openRoot(), /not supported in Satchel/);
    assert.throws(() => os.exit(1), /needs the app/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("$os.cmd runs processes synchronously", () => {
  const os = createOs(null);
  const echo = os.cmd("sh", "-c", 'printf %s "$X"; printf err >&2');
  echo.env = ["X=hi"];
  assert.equal(toString(echo.output()), "hi");
  assert.equal(toString(os.cmd("sh", "-c", "printf a; printf b >&2").combinedOutput()), "ab");
  const cat = os.exec("cat");
  cat.stdin = "piped";
  assert.equal(toString(cat.output()), "piped");
  assert.throws(() => os.cmd("sh", "-c", "exit 3").run(), { message: "exit status 3" });
  assert.throws(() => os.cmd("satchel-no-such-binary").run(), /executable file not found/);
  const started = os.cmd("true");
  started.start();
  started.wait();
  assert.equal(started.exitCode(), 0);
});

test("$os.exit asks the main thread", () => {
  const calls: unknown[] = [];
  const os = createOs({ call: (op, args) => calls.push([op, ...args]) });
  os.exit(2);
  assert.deepEqual(calls, [["os.exit", 2]]);
});
