import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TemplateRegistry } from "./template.ts";

const render = (src: string, data?: unknown) => new TemplateRegistry().loadString(src).render(data);

test("actions, escaping and raw", () => {
  assert.equal(render("Hi {{.name}}!", { name: "<b>&'\"" }), "Hi &lt;b&gt;&amp;&#39;&#34;!");
  assert.equal(render("{{raw .html}}", { html: "<b>x</b>" }), "<b>x</b>");
  assert.equal(render("{{.a.b}} {{.missing}}|{{.a.c}}", { a: { b: 1 } }), "1 |");
  assert.equal(render("  {{- .x -}}  \n y", { x: "v" }), "vy");
  assert.equal(render("{{/* a comment */}}ok"), "ok");
  assert.equal(render('{{"lit"}} {{1.5}} {{true}}'), "lit 1.5 true");
  assert.equal(render("{{.f}}", { f: () => "called" }), "called");
});

test("if, range, with, variables and builtins", () => {
  const tpl =
    "{{if .items}}{{range $i, $e := .items}}{{if $i}}, {{end}}{{$i}}={{$e}}{{end}}{{else}}none{{end}}";
  assert.equal(render(tpl, { items: ["a", "b"] }), "0=a, 1=b");
  assert.equal(render(tpl, { items: [] }), "none");
  assert.equal(
    render(
      "{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if gt . 3}}{{break}}{{end}}{{.}}{{end}}",
      [1, 2, 3, 4, 5],
    ),
    "13",
  );
  assert.equal(render("{{range $k, $v := .}}{{$k}}:{{$v}};{{end}}", { b: 2, a: 1 }), "a:1;b:2;");
  assert.equal(render("{{with .u}}{{.name}}{{else}}anon{{end}}", { u: { name: "ann" } }), "ann");
  assert.equal(render("{{with .u}}{{.name}}{{else}}anon{{end}}", {}), "anon");
  assert.equal(render("{{if not .a}}A{{else if .b}}B{{else}}C{{end}}", { a: 1, b: 1 }), "B");
  assert.equal(render("{{$x := 1}}{{$x = 2}}{{$x}}"), "2");
  assert.equal(render('{{len .}} {{index . 1}} {{and 1 0}} {{or 0 "y"}}', ["a", "b"]), "2 b 0 y");
  assert.equal(
    render('{{printf "%s-%d-%v" "a" 3 true}} {{.n | printf "%05d"}}', { n: 42 }),
    "a-3-true 00042",
  );
  assert.equal(render("{{lt 1 2}} {{ne 1 2}} {{le 2 2}} {{ge 1 2}}"), "true true true false");
  assert.equal(render('{{urlquery "a b&c"}} {{html "<"}}'), "a+b%26c &amp;lt;");
  assert.equal(render("{{(index . 0).name}}", [{ name: "x" }]), "x");
});

test("define, template, block and custom functions", () => {
  const reg = new TemplateRegistry().addFuncs({ upper: (s: unknown) => String(s).toUpperCase() });
  const r = reg.loadString(
    '{{define "item"}}<li>{{upper .}}</li>{{end}}<ul>{{range .}}{{template "item" .}}{{end}}</ul>',
  );
  assert.equal(r.render(["a", "b"]), "<ul><li>A</li><li>B</li></ul>");
  assert.equal(render('{{block "x" .}}default {{.}}{{end}}', "v"), "default v");
  assert.throws(() => render("{{nofn 1}}"), /function "nofn" not defined/);
  assert.throws(() => render("{{if}}"), /missing value|unexpected/);
  assert.throws(() => render("{{.a"), /unclosed action/);
  assert.throws(() => render('{{template "none"}}'), /no such template "none"/);
});

test("loadFiles: layouts with define/template, cached forever", () => {
  const dir = mkdtempSync(join(tmpdir(), "satchel-tpl-"));
  try {
    writeFileSync(join(dir, "layout.html"), '<html>{{template "content" .}}</html>');
    writeFileSync(join(dir, "page.html"), '{{define "content"}}<p>{{.title}}</p>{{end}}');
    const reg = new TemplateRegistry();
    const html = reg.loadFiles(join(dir, "layout.html"), join(dir, "page.html")).render({ title: "T<" });
    assert.equal(html, "<html><p>T&lt;</p></html>");
    writeFileSync(join(dir, "layout.html"), "changed");
    assert.equal(
      reg.loadFiles(join(dir, "layout.html"), join(dir, "page.html")).render({ title: "x" }),
      "<html><p>x</p></html>",
    );
    const fs = { dir };
    assert.equal(reg.loadFS(fs, "page.html").render({ title: "y" }), "");
    assert.throws(() => reg.loadFiles(join(dir, "missing.html")).render(), /no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
