import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  FILE_CACHE_CONTROL,
  FILE_CSP,
  contentDisposition,
  evaluatePreconditions,
  fileHeaders,
  httpDate,
  parseDownloadParam,
  parseRange,
  planFileResponse,
} from "./http-file.ts";

void describe("parseRange", () => {
  const ok = (start: number, end: number, size: number) => ({
    kind: "range",
    start,
    end,
    length: end - start + 1,
    contentRange: `bytes ${start}-${end}/${size}`,
  });
  const invalid = { kind: "unsatisfiable", message: "invalid range" };
  const noOverlap = (size: number) => ({
    kind: "unsatisfiable",
    message: "invalid range: failed to overlap",
    contentRange: `bytes */${size}`,
  });
  const cases: [header: string | null, size: number, expected: unknown][] = [
    [null, 100, { kind: "none" }],
    ["", 100, { kind: "none" }],
    ["bytes=0-0", 100, ok(0, 0, 100)],
    ["bytes=0-49", 100, ok(0, 49, 100)],
    ["bytes=50-", 100, ok(50, 99, 100)],
    ["bytes=-10", 100, ok(90, 99, 100)],
    ["bytes=-500", 100, ok(0, 99, 100)],
    ["bytes=90-500", 100, ok(90, 99, 100)],
    ["bytes= 10 - 20 ", 100, ok(10, 20, 100)],
    ["bytes=99-99", 100, ok(99, 99, 100)],
    ["bytes=100-", 100, noOverlap(100)],
    ["bytes=200-300", 100, noOverlap(100)],
    ["bytes=-0", 100, noOverlap(100)],
    ["bytes=0-", 0, { kind: "none" }], // an empty file ignores ranges
    ["bytes=5-2", 100, invalid],
    ["bytes=a-b", 100, invalid],
    ["bytes=-", 100, invalid],
    ["bytes=--5", 100, invalid],
    ["bytes=1.5-3", 100, invalid],
    ["bytes=10", 100, invalid],
    ["items=0-10", 100, invalid],
    ["bytes=", 100, { kind: "none" }],
    ["bytes=0-10,20-30", 100, { kind: "none" }], // several ranges: the whole file
    ["bytes=0-99,0-99", 100, { kind: "none" }],
    ["bytes=200-300,0-9", 100, ok(0, 9, 100)], // non-overlapping parts are dropped
  ];
  for (const [header, size, expected] of cases) {
    void it(`${JSON.stringify(header)} on ${size} bytes`, () =>
      assert.deepEqual(parseRange(header, size), expected));
  }
});

const MODIFIED = new Date("2024-05-06T07:08:09.750Z");
const MODIFIED_HTTP = "Mon, 06 May 2024 07:08:09 GMT";

void describe("evaluatePreconditions", () => {
  const h = (headers: Record<string, string>, method = "GET") => ({ method, headers: new Headers(headers) });
  const etag = '"abc"';
  const cases: [
    name: string,
    req: ReturnType<typeof h>,
    expected: { status: 304 | 412 | null; range: string },
  ][] = [
    ["no conditions", h({}), { status: null, range: "" }],
    ["If-None-Match match → 304", h({ "If-None-Match": '"abc"' }), { status: 304, range: "" }],
    ["If-None-Match weak match → 304", h({ "If-None-Match": 'W/"abc"' }), { status: 304, range: "" }],
    ["If-None-Match list → 304", h({ "If-None-Match": '"x", "abc"' }), { status: 304, range: "" }],
    ["If-None-Match * → 304", h({ "If-None-Match": "*" }), { status: 304, range: "" }],
    ["If-None-Match other → 200", h({ "If-None-Match": '"zzz"' }), { status: null, range: "" }],
    ["If-None-Match on POST → 412", h({ "If-None-Match": '"abc"' }, "POST"), { status: 412, range: "" }],
    [
      "If-Modified-Since same second → 304",
      h({ "If-Modified-Since": MODIFIED_HTTP }),
      { status: 304, range: "" },
    ],
    [
      "If-Modified-Since later → 304",
      h({ "If-Modified-Since": "Tue, 07 May 2024 00:00:00 GMT" }),
      { status: 304, range: "" },
    ],
    [
      "If-Modified-Since earlier → 200",
      h({ "If-Modified-Since": "Sun, 05 May 2024 00:00:00 GMT" }),
      { status: null, range: "" },
    ],
    ["If-Modified-Since garbage → 200", h({ "If-Modified-Since": "yesterday" }), { status: null, range: "" }],
    [
      "If-None-Match wins over If-Modified-Since",
      h({ "If-None-Match": '"zzz"', "If-Modified-Since": MODIFIED_HTTP }),
      { status: null, range: "" },
    ],
    ["If-Match match → go on", h({ "If-Match": '"abc"' }), { status: null, range: "" }],
    ["If-Match other → 412", h({ "If-Match": '"zzz"' }), { status: 412, range: "" }],
    ["If-Match weak → 412", h({ "If-Match": 'W/"abc"' }), { status: 412, range: "" }],
    [
      "If-Unmodified-Since earlier → 412",
      h({ "If-Unmodified-Since": "Sun, 05 May 2024 00:00:00 GMT" }),
      { status: 412, range: "" },
    ],
    [
      "If-Unmodified-Since same → go on",
      h({ "If-Unmodified-Since": MODIFIED_HTTP }),
      { status: null, range: "" },
    ],
    ["Range kept", h({ Range: "bytes=0-1" }), { status: null, range: "bytes=0-1" }],
    [
      "If-Range etag fresh",
      h({ Range: "bytes=0-1", "If-Range": '"abc"' }),
      { status: null, range: "bytes=0-1" },
    ],
    ["If-Range etag stale", h({ Range: "bytes=0-1", "If-Range": '"old"' }), { status: null, range: "" }],
    [
      "If-Range date fresh",
      h({ Range: "bytes=0-1", "If-Range": MODIFIED_HTTP }),
      { status: null, range: "bytes=0-1" },
    ],
    [
      "If-Range date stale",
      h({ Range: "bytes=0-1", "If-Range": "Sun, 05 May 2024 00:00:00 GMT" }),
      { status: null, range: "" },
    ],
  ];
  for (const [name, req, expected] of cases) {
    void it(name, () => assert.deepEqual(evaluatePreconditions(req, { etag, modified: MODIFIED }), expected));
  }

  void it("without an ETag (PocketBase sends none) only * matches", () => {
    assert.equal(evaluatePreconditions(h({ "If-None-Match": '"abc"' }), { modified: MODIFIED }).status, null);
    assert.equal(evaluatePreconditions(h({ "If-None-Match": "*" }), { modified: MODIFIED }).status, 304);
    assert.equal(evaluatePreconditions(h({ "If-Match": '"abc"' }), { modified: MODIFIED }).status, 412);
  });

  void it("reads plain header objects too", () => {
    const req = { method: "HEAD", headers: { "if-modified-since": MODIFIED_HTTP } };
    assert.equal(evaluatePreconditions(req, { modified: MODIFIED }).status, 304);
  });
});

void describe("file headers", () => {
  void it("serves safe types inline, with PocketBase's security and cache headers", () => {
    assert.deepEqual(
      fileHeaders({ name: "photo_abc123.png", contentType: "image/png", modified: MODIFIED }),
      {
        "Content-Disposition": "inline; filename=photo_abc123.png",
        "Content-Type": "image/png",
        "Content-Security-Policy": "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
        "Cache-Control": "max-age=2592000, stale-while-revalidate=86400",
        "Accept-Ranges": "bytes",
        "Last-Modified": MODIFIED_HTTP,
      },
    );
  });

  void it("sends downloads, SVG, HTML and text as attachments", () => {
    const download = fileHeaders({ name: "photo_abc.png", contentType: "image/png", download: true });
    assert.equal(download["Content-Disposition"], "attachment; filename=photo_abc.png");
    const svg = fileHeaders({ name: "logo_abc.svg", contentType: "image/svg+xml" });
    assert.equal(svg["Content-Disposition"], "attachment; filename=logo_abc.svg");
    assert.equal(svg["Content-Type"], "image/svg+xml");
    const html = fileHeaders({ name: "page_abc.html", contentType: "text/html; charset=utf-8" });
    assert.equal(html["Content-Disposition"], "attachment; filename=page_abc.html");
    assert.equal(html["Content-Security-Policy"], FILE_CSP);
    const css = fileHeaders({ name: "s_abc.css", contentType: "text/plain; charset=utf-8", etag: '"e"' });
    assert.equal(css["Content-Type"], "text/css");
    assert.equal(css["ETag"], '"e"');
    assert.equal(css["Cache-Control"], FILE_CACHE_CONTROL);
    assert.equal(css["Last-Modified"], undefined, "no date, no Last-Modified");
  });

  void it("quotes file names that are not plain tokens", () => {
    assert.equal(contentDisposition("inline", "a_b-c.d~1.png"), "inline; filename=a_b-c.d~1.png");
    assert.equal(contentDisposition("attachment", "my file.txt"), 'attachment; filename="my file.txt"');
    assert.equal(contentDisposition("attachment", 'a"b\\c.txt'), 'attachment; filename="a\\"b\\\\c.txt"');
    assert.equal(
      contentDisposition("attachment", "a\r\nX-Evil: 1.txt"),
      'attachment; filename="aX-Evil: 1.txt"',
    );
    assert.equal(
      contentDisposition("attachment", "résumé.pdf"),
      "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
    );
  });

  void it("parses the download parameter as Go's ParseBool", () => {
    for (const yes of ["1", "t", "T", "true", "TRUE", "True"])
      assert.equal(parseDownloadParam(yes), true, yes);
    for (const no of ["0", "f", "false", "", "yes", "on", null, undefined])
      assert.equal(parseDownloadParam(no), false);
  });

  void it("formats HTTP dates and omits the zero time", () => {
    assert.equal(httpDate(MODIFIED), MODIFIED_HTTP);
    assert.equal(httpDate(new Date(0)), "");
    assert.equal(httpDate(undefined), "");
  });
});

void describe("planFileResponse", () => {
  const file = { name: "doc_abc.pdf", contentType: "application/pdf", size: 1000, modified: MODIFIED };
  const req = (headers: Record<string, string> = {}, method = "GET", download = false) => ({
    method,
    headers: new Headers(headers),
    download,
  });

  void it("sends the whole file", () => {
    const plan = planFileResponse(req(), file);
    assert.equal(plan.status, 200);
    assert.deepEqual(plan.range, { start: 0, end: 999 });
    assert.equal(plan.headers["Content-Length"], "1000");
    assert.equal(plan.headers["Content-Disposition"], "inline; filename=doc_abc.pdf");
  });

  void it("sends a range as 206", () => {
    const plan = planFileResponse(req({ Range: "bytes=100-199" }), file);
    assert.equal(plan.status, 206);
    assert.deepEqual(plan.range, { start: 100, end: 199 });
    assert.equal(plan.headers["Content-Range"], "bytes 100-199/1000");
    assert.equal(plan.headers["Content-Length"], "100");
  });

  void it("answers 416 with Go's message for ranges outside the file", () => {
    const plan = planFileResponse(req({ Range: "bytes=5000-" }), file);
    assert.equal(plan.status, 416);
    assert.equal(plan.headers["Content-Range"], "bytes */1000");
    assert.equal(plan.text, "invalid range: failed to overlap\n");
    assert.equal(plan.range, undefined);
    const malformed = planFileResponse(req({ Range: "bytes=x" }), file);
    assert.equal(malformed.status, 416);
    assert.equal(malformed.headers["Content-Range"], undefined);
    assert.equal(malformed.text, "invalid range\n");
  });

  void it("answers 304 without a Content-Type", () => {
    const plan = planFileResponse(req({ "If-Modified-Since": MODIFIED_HTTP }), file);
    assert.equal(plan.status, 304);
    assert.equal(plan.headers["Content-Type"], undefined);
    assert.equal(plan.headers["Last-Modified"], MODIFIED_HTTP);
    assert.equal(plan.range, undefined);
  });

  void it("answers 412 for a failed If-Match", () => {
    assert.equal(planFileResponse(req({ "If-Match": '"nope"' }), file).status, 412);
  });

  void it("ignores a Range whose If-Range is stale", () => {
    const plan = planFileResponse(
      req({ Range: "bytes=0-9", "If-Range": "Sun, 05 May 2024 00:00:00 GMT" }),
      file,
    );
    assert.equal(plan.status, 200);
    assert.equal(plan.headers["Content-Length"], "1000");
  });

  void it("plans an empty file without a range", () => {
    const plan = planFileResponse(req({ Range: "bytes=0-" }), { ...file, size: 0 });
    assert.equal(plan.status, 200);
    assert.equal(plan.range, undefined);
    assert.equal(plan.headers["Content-Length"], "0");
  });

  void it("honours download=1", () => {
    const plan = planFileResponse(req({}, "HEAD", true), file);
    assert.equal(plan.headers["Content-Disposition"], "attachment; filename=doc_abc.pdf");
  });
});
