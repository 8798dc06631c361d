import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { filepath } from "./filepath.ts";

test("lexical functions follow Go's path/filepath", () => {
  const cases: [unknown, unknown][] = [
    [filepath.clean(""), "."],
    [filepath.clean("a//b/./c/.."), "a/b"],
    [filepath.clean("/../a/"), "/a"],
    [filepath.clean("../../a"), "../../a"],
    [filepath.base(""), "."],
    [filepath.base("/"), "/"],
    [filepath.base("a/b/"), "b"],
    [filepath.dir("a/b/c"), "a/b"],
    [filepath.dir("c"), "."],
    [filepath.dir("/c"), "/"],
    [filepath.ext("a/b.tar.gz"), ".gz"],
    [filepath.ext(".bashrc"), ".bashrc"],
    [filepath.ext("a.b/c"), ""],
    [filepath.join("a", "", "b/../c"), "a/c"],
    [filepath.join("", ""), ""],
    [filepath.isAbs("/x"), true],
    [filepath.isAbs("x"), false],
    [filepath.rel("/a/b", "/a/b/c/d"), "c/d"],
    [filepath.rel("/a/b", "/a/x"), "../x"],
    [filepath.rel("a", "a"), "."],
    [filepath.split("a/b/c.txt"), ["a/b/", "c.txt"]],
    [filepath.split("c.txt"), ["", "c.txt"]],
    [filepath.splitList("/a:/b"), ["/a", "/b"]],
    [filepath.splitList(""), []],
    [filepath.toSlash("a/b"), "a/b"],
    [filepath.fromSlash("a/b"), "a/b"],
  ];
  cases.forEach(([actual, expected], i) => assert.deepEqual(actual, expected, `case ${i}`));
  assert.throws(() => filepath.rel("/a", "b"), /can't make b relative to \/a/);
});

test("match uses Go's pattern syntax", () => {
  assert.ok(filepath.match("*.js", "main.pb.js"));
  assert.ok(!filepath.match("*.js", "dir/main.js"), "* does not cross /");
  assert.ok(filepath.match("a?c", "abc"));
  assert.ok(filepath.match("[a-c]x", "bx"));
  assert.ok(!filepath.match("[^a-c]x", "bx"));
  assert.ok(filepath.match("\\*", "*"));
  assert.throws(() => filepath.match("[", "a"), /syntax error in pattern/);
});

test("glob and walk visit the file system in lexical order", () => {
  const dir = mkdtempSync(join(tmpdir(), "satchel-fp-"));
  try {
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "b.js"), "");
    writeFileSync(join(dir, "a.js"), "");
    writeFileSync(join(dir, "c.txt"), "");
    writeFileSync(join(dir, "sub", "d.js"), "x");
    assert.deepEqual(filepath.glob(join(dir, "*.js")), [join(dir, "a.js"), join(dir, "b.js")]);
    assert.deepEqual(filepath.glob(join(dir, "*", "*.js")), [join(dir, "sub", "d.js")]);
    assert.deepEqual(filepath.glob(join(dir, "nope")), []);
    const seen: string[] = [];
    filepath.walk(dir, (path, info) => {
      seen.push(`${path.slice(dir.length)}:${(info as { isDir(): boolean }).isDir()}`);
    });
    assert.deepEqual(seen, [
      ":true",
      "/a.js:false",
      "/b.js:false",
      "/c.txt:false",
      "/sub:true",
      "/sub/d.js:false",
    ]);
    const entries: string[] = [];
    filepath.walkDir(dir, (_path, d) => {
      entries.push((d as { name(): string }).name());
    });
    assert.deepEqual(entries.slice(1), ["a.js", "b.js", "c.txt", "sub", "d.js"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
