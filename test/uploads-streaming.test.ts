/**
 * Multipart uploads streamed to temp files (§0, §12.3): a big upload does not grow the server's
 * memory by its size, its bytes arrive intact, and the temp folder is empty again after every
 * outcome (success, failed validation, 413, a client that disconnects mid-upload, malformed and
 * hostile bodies). Also: chunked bodies over the limit are 413s, and file responses carry no
 * X-Frame-Options. The app and the server run in this process so its memory can be measured.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { after, before, describe, test } from "node:test";
import { Router } from "../src/api/http/router.ts";
import type { ApiEnv } from "../src/api/env.ts";
import { MAX_MULTIPART_PARTS, MAX_MULTIPART_TEXT_BYTES, readBody } from "../src/api/request-body.ts";
import { uploadsCleanup, uploadsTempRoot } from "../src/api/uploads.ts";
import { request } from "./helpers/http.ts";
import { eventually, png as pngBytes, storedKeys } from "./helpers/files.ts";
import { startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";

// A private TMPDIR, so that the temp folder checks see only this file's uploads.
const privateTmp = mkdtempSync(join(tmpdir(), "satchel-uploads-test-"));
process.env.TMPDIR = privateTmp;
after(() => rmSync(privateTmp, { recursive: true, force: true }));

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const MiB = 1 << 20;
const INVALID = "Failed to load the submitted data due to invalid formatting.";

/** What is left in the uploads temp folder. */
function tempEntries(): string[] {
  const root = uploadsTempRoot();
  return existsSync(root) && statSync(root).isDirectory() ? readdirSync(root) : [];
}

/** Temp files (inside the per-request folders) with their sizes. */
function tempFiles(): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  for (const dir of tempEntries()) {
    const full = join(uploadsTempRoot(), dir);
    let names: string[];
    try {
      names = readdirSync(full);
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        out.push({ path: join(full, name), size: statSync(join(full, name)).size });
      } catch {
        // removed meanwhile
      }
    }
  }
  return out;
}

async function assertTempEmpty(): Promise<void> {
  await eventually(() => assert.deepEqual(tempEntries(), []), 5000);
}

// ---------------------------------------------------------------------------------------------
// A streamed multipart body, generated on the fly (never held whole by the client either).

const BOUNDARY = "----satchelStreamingTestBoundary7MA4YWxk";
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

type Part =
  | { name: string; value: string }
  | { name: string; filename: string; type: string; size: number }
  | { name: string; filename: string; type: string; content: Buffer };

function partHead(part: Part): Buffer {
  let head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"`;
  if ("filename" in part) head += `; filename="${part.filename}"\r\nContent-Type: ${part.type}`;
  return Buffer.from(`${head}\r\n\r\n`);
}

const TAIL = Buffer.from(`--${BOUNDARY}--\r\n`);

/** The byte length of a form (for a Content-Length). */
function formLength(parts: readonly Part[]): number {
  let n = TAIL.length;
  for (const part of parts) {
    n += partHead(part).length + 2; // + CRLF after the content
    n += "content" in part ? part.content.length : "size" in part ? part.size : Buffer.byteLength(part.value);
  }
  return n;
}

/** Yields a form in chunks of at most 64 KiB; `hash` receives the file contents. */
function* formChunks(parts: readonly Part[], hash?: ReturnType<typeof createHash>): Generator<Buffer> {
  for (const part of parts) {
    yield partHead(part);
    if ("content" in part) yield part.content;
    else if ("size" in part) {
      let left = part.size;
      while (left > 0) {
        const chunk = randomBytes(Math.min(64 << 10, left));
        hash?.update(chunk);
        left -= chunk.length;
        yield chunk;
      }
    } else yield Buffer.from(part.value);
    yield Buffer.from("\r\n");
  }
  yield TAIL;
}

interface StreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * POSTs a body from chunks with node:http (backpressure respected; stops sending once the server
 * answers). `abortAfter`: destroy the connection after that many bytes, once `beforeAbort` passed.
 */
function send(
  url: string,
  headers: Record<string, string | number>,
  chunks: Iterable<Buffer>,
  options: { abortAfter?: number; beforeAbort?: () => Promise<void>; onChunk?: () => void } = {},
): Promise<StreamResponse | "aborted"> {
  return new Promise((resolve, reject) => {
    // one connection per request: a connection the server stops reading is not reused
    const req = httpRequest(url, { method: "POST", headers, agent: false });
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      const body: Buffer[] = [];
      res.on("data", (c: Buffer) => body.push(c));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(body).toString() });
        req.destroy();
      });
      res.on("error", reject);
    });
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    void (async () => {
      let sent = 0;
      for (const chunk of chunks) {
        if (answered || req.destroyed) return;
        if (options.abortAfter !== undefined && sent + chunk.length > options.abortAfter) {
          await options.beforeAbort?.();
          req.destroy();
          resolve("aborted");
          return;
        }
        sent += chunk.length;
        options.onChunk?.();
        if (!req.write(chunk)) {
          await new Promise<void>((resolve) => {
            const go = (): void => {
              req.off("drain", go);
              req.off("close", go);
              resolve();
            };
            req.on("drain", go);
            req.on("close", go);
          });
        }
      }
      if (!answered && !req.destroyed) req.end();
    })().catch(reject);
  });
}

function parsed(res: StreamResponse | "aborted"): { status: number; json: { [key: string]: unknown } } {
  assert.notEqual(res, "aborted");
  const r = res as StreamResponse;
  return { status: r.status, json: JSON.parse(r.text) as { [key: string]: unknown } };
}

/** The SHA-256 of a downloaded file, read as a stream. */
async function downloadHash(url: string): Promise<{ hash: string; size: number; headers: Headers }> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const hash = createHash("sha256");
  let size = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    hash.update(value);
  }
  return { hash: hash.digest("hex"), size, headers: res.headers };
}

// ---------------------------------------------------------------------------------------------

describe("streamed multipart uploads", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let recordsUrl: string;
  let smallUrl: string;
  let bigId = "";

  before(async () => {
    s = await startTestServer(cleanup);
    const rules = { listRule: "", viewRule: "", createRule: "", updateRule: "", deleteRule: "" };
    await s.pb.collections.create({
      name: "blobs",
      type: "base",
      ...rules,
      fields: [
        { name: "title", type: "text" },
        { name: "doc", type: "file", maxSelect: 1, maxSize: 200 * MiB },
        { name: "pic", type: "file", maxSelect: 1, maxSize: 5 * MiB, mimeTypes: ["image/png"] },
      ],
    });
    await s.pb.collections.create({
      name: "smallblobs",
      type: "base",
      ...rules,
      fields: [{ name: "doc", type: "file", maxSelect: 1, maxSize: MiB }],
    });
    recordsUrl = `${s.url}/api/collections/blobs/records`;
    smallUrl = `${s.url}/api/collections/smallblobs/records`;
  });

  test("a 40 MB upload is streamed to disk: bounded server memory, intact bytes, no temp file left", async () => {
    // warm-up: the same path once, so that code loading and allocator pools are not counted
    const warm: Part[] = [
      { name: "doc", filename: "warm.bin", type: "application/octet-stream", size: 4 * MiB },
    ];
    const warmRes = parsed(await send(recordsUrl, { "content-type": CONTENT_TYPE }, formChunks(warm)));
    assert.equal(warmRes.status, 200, JSON.stringify(warmRes.json));

    const size = 40 * 1000 * 1000;
    const parts: Part[] = [
      { name: "title", value: "big" },
      { name: "doc", filename: "dir/big upload.bin", type: "application/octet-stream", size },
    ];
    const hash = createHash("sha256");
    gc();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let spooledMidway = 0;
    let sentChunks = 0;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const timer = setInterval(sample, 5);
    let res;
    try {
      res = await send(
        recordsUrl,
        { "content-type": CONTENT_TYPE, "content-length": formLength(parts) },
        formChunks(parts, hash),
        {
          onChunk: () => {
            // a full GC every MiB sent: the figure is what the process holds, not garbage V8
            // has not collected yet (left alone, it lets ~64 MiB of dead buffers pile up)
            if (++sentChunks % 16 === 0) gc();
            sample();
            // halfway through, the part received so far is already on disk
            if (sentChunks === 320) spooledMidway = Math.max(0, ...tempFiles().map((f) => f.size));
          },
        },
      );
    } finally {
      clearInterval(timer);
    }
    sample();
    const growth = peak - baseline;
    const { status, json } = parsed(res);
    assert.equal(status, 200, JSON.stringify(json));
    console.log(
      `rss growth during the 40 MB upload: ${(growth / MiB).toFixed(1)} MiB (baseline ${(baseline / MiB).toFixed(1)} MiB)`,
    );
    assert.ok(growth < 20 * MiB, `rss grew by ${(growth / MiB).toFixed(1)} MiB`);
    assert.ok(spooledMidway > 5 * MiB, `only ${spooledMidway} bytes spooled halfway`);

    // the stored file has the client's base name and the exact bytes
    const doc = json.doc as string;
    assert.match(doc, /^big_upload_[a-z0-9]{10}\.bin$/);
    bigId = json.id as string;
    await assertTempEmpty();
    const got = await downloadHash(`${s.url}/api/files/blobs/${bigId}/${doc}`);
    assert.equal(got.size, size);
    assert.equal(got.hash, hash.digest("hex"));
  });

  test("a failed validation (disallowed MIME type) leaves no temp file and stores nothing", async () => {
    const before = await storedKeys(s.app);
    const parts: Part[] = [
      { name: "title", value: "wrong mime" },
      { name: "pic", filename: "not-a.png", type: "image/png", size: 2 * MiB },
    ];
    const { status, json } = parsed(
      await send(recordsUrl, { "content-type": CONTENT_TYPE }, formChunks(parts)),
    );
    assert.equal(status, 400);
    assert.equal((json.data as { pic: { code: string } }).pic.code, "validation_invalid_mime_type");
    await assertTempEmpty();
    assert.deepEqual(await storedKeys(s.app), before);

    // a real PNG signature passes the same field
    const png: Part[] = [
      { name: "pic", filename: "ok.png", type: "image/png", content: await pngBytes(300, 200) },
    ];
    const ok = parsed(await send(recordsUrl, { "content-type": CONTENT_TYPE }, formChunks(png)));
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    await assertTempEmpty();
  });

  test("a chunked upload over the collection's body limit is a 413 and leaves no temp file", async () => {
    const parts: Part[] = [
      { name: "doc", filename: "huge.bin", type: "application/octet-stream", size: 40 * MiB },
    ];
    const res = parsed(await send(smallUrl, { "content-type": CONTENT_TYPE }, formChunks(parts)));
    assert.equal(res.status, 413);
    assert.deepEqual(res.json, { data: {}, message: "Request entity too large.", status: 413 });
    await assertTempEmpty();
    assert.deepEqual(await storedKeys(s.app, (await s.pb.collections.getOne("smallblobs")).id + "/"), []);
  });

  test("a client disconnecting mid-upload leaves no temp file and no record", async () => {
    const parts: Part[] = [
      { name: "title", value: "cut off" },
      { name: "doc", filename: "cut.bin", type: "application/octet-stream", size: 20 * MiB },
    ];
    const count = (await s.pb.collection("blobs").getList(1, 1)).totalItems;
    const res = await send(
      recordsUrl,
      { "content-type": CONTENT_TYPE, "content-length": formLength(parts) },
      formChunks(parts),
      {
        abortAfter: 8 * MiB,
        // the part received so far is on disk before the client goes away
        beforeAbort: () => eventually(() => assert.ok(tempFiles().some((f) => f.size > MiB)), 5000),
      },
    );
    assert.equal(res, "aborted");
    await assertTempEmpty();
    assert.equal((await s.pb.collection("blobs").getList(1, 1)).totalItems, count);
    // the server is fine afterwards
    assert.equal((await request(s.url, "GET", "/api/health")).status, 200);
  });

  test("a truncated multipart body (complete request) is a 400 and leaves no temp file", async () => {
    const parts: Part[] = [
      { name: "doc", filename: "t.bin", type: "application/octet-stream", size: 3 * MiB },
    ];
    const all = Buffer.concat([...formChunks(parts)]);
    const cut = all.subarray(0, all.length - 1000);
    const res = await request(s.url, "POST", "/api/collections/blobs/records", {
      body: cut,
      headers: { "content-type": CONTENT_TYPE },
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.message, INVALID);
    await assertTempEmpty();
  });

  test("malformed multipart bodies are 400s", async () => {
    const cases: [string, string | Buffer][] = [
      ["multipart/form-data", `--${BOUNDARY}\r\n\r\n--${BOUNDARY}--\r\n`], // no boundary parameter
      [CONTENT_TYPE, "this is not multipart at all"],
      [CONTENT_TYPE, `--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n`], // cut in the headers
      [CONTENT_TYPE, `--${BOUNDARY}\r\nBad Header Line\r\n\r\nx\r\n--${BOUNDARY}--\r\n`],
      [CONTENT_TYPE, `--${BOUNDARY}\r\n${"X-Pad: " + "y".repeat(20000)}\r\n\r\nx\r\n--${BOUNDARY}--\r\n`],
    ];
    for (const [type, body] of cases) {
      const res = await request(s.url, "POST", "/api/collections/blobs/records", {
        body: typeof body === "string" ? body : new Uint8Array(body),
        headers: { "content-type": type },
      });
      assert.equal(res.status, 400, `${type} ${String(body).slice(0, 60)}: ${res.text}`);
      assert.equal(res.json.message, INVALID);
    }
    await assertTempEmpty();
  });

  test("more than 1000 parts is a 400 (Go's limit); 1000 are fine", async () => {
    const many = (n: number): Part[] => Array.from({ length: n }, () => ({ name: "x", value: "1" }));
    const over = parsed(
      await send(recordsUrl, { "content-type": CONTENT_TYPE }, formChunks(many(MAX_MULTIPART_PARTS + 1))),
    );
    assert.equal(over.status, 400);
    assert.equal(over.json.message, INVALID);

    const files: Part[] = Array.from({ length: MAX_MULTIPART_PARTS + 1 }, (_, i) => ({
      name: "x",
      filename: `${i}.bin`,
      type: "application/octet-stream",
      size: 10,
    }));
    const overFiles = parsed(await send(recordsUrl, { "content-type": CONTENT_TYPE }, formChunks(files)));
    assert.equal(overFiles.status, 400);
    await assertTempEmpty();

    const ok = parsed(
      await send(recordsUrl, { "content-type": CONTENT_TYPE }, formChunks(many(MAX_MULTIPART_PARTS))),
    );
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
  });

  test("form values beyond Go's in-memory bound are a 400", async () => {
    // one value just over the bound (the collection's body limit is far above it)
    const big = "a".repeat(MAX_MULTIPART_TEXT_BYTES + 1);
    const res = parsed(
      await send(recordsUrl, { "content-type": CONTENT_TYPE }, formChunks([{ name: "title", value: big }])),
    );
    assert.equal(res.status, 400);
    assert.equal(res.json.message, INVALID);
    await assertTempEmpty();
  });

  test("chunked bodies over the limit are 413s, whatever their type", async () => {
    const over = 33 * MiB;
    const filler = (prefix: string): Generator<Buffer> =>
      (function* () {
        yield Buffer.from(prefix);
        for (let sent = 0; sent < over; sent += MiB) yield Buffer.alloc(MiB, 0x61);
      })();
    const cases: [string, Iterable<Buffer>][] = [
      ["application/json", filler('{"name":"')],
      ["application/x-www-form-urlencoded", filler("name=")],
      [
        CONTENT_TYPE,
        formChunks([{ name: "f", filename: "f.bin", type: "application/octet-stream", size: over }]),
      ],
    ];
    for (const [type, chunks] of cases) {
      const res = parsed(
        await send(`${s.url}/api/collections`, { "content-type": type, authorization: s.token }, chunks),
      );
      assert.equal(res.status, 413, type);
      assert.equal(res.json.message, "Request entity too large.");
    }
    await assertTempEmpty();
  });

  test("file responses have no X-Frame-Options; other responses keep it", async () => {
    const list = await s.pb.collection("blobs").getFullList({ filter: "pic != ''" });
    const rec = list[0]!;
    const file = await fetch(`${s.url}/api/files/blobs/${rec.id}/${rec.pic as string}`);
    await file.arrayBuffer();
    assert.equal(file.status, 200);
    assert.equal(file.headers.get("x-frame-options"), null);
    assert.equal(file.headers.get("x-content-type-options"), "nosniff");

    const head = await fetch(`${s.url}/api/files/blobs/${rec.id}/${rec.pic as string}`, { method: "HEAD" });
    assert.equal(head.headers.get("x-frame-options"), null);

    const health = await fetch(`${s.url}/api/health`);
    await health.arrayBuffer();
    assert.equal(health.headers.get("x-frame-options"), "SAMEORIGIN");

    // a file route that fails before serving anything keeps it, as in PocketBase
    const missing = await fetch(`${s.url}/api/files/blobs/nope/nope.png`);
    await missing.arrayBuffer();
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("x-frame-options"), "SAMEORIGIN");
  });
});

describe("readBody with multipart forms", () => {
  /** A router reporting what readBody gave, files included, and whether their temp files exist. */
  function bodyApp(): { app: Router<ApiEnv>; seen: string[] } {
    const seen: string[] = [];
    const app = new Router<ApiEnv>();
    app.use("*", uploadsCleanup());
    app.post("/", async (c) => {
      const body = await readBody(c);
      const out: { [key: string]: unknown } = {};
      for (const [key, value] of Object.entries(body)) {
        const show = async (v: unknown): Promise<unknown> =>
          v instanceof File ? { name: v.name, type: v.type, size: v.size, text: await v.text() } : v;
        out[key] = Array.isArray(value) ? await Promise.all(value.map(show)) : await show(value);
      }
      seen.push(...tempFiles().map((f) => f.path));
      return c.json(out);
    });
    app.onError((err, c) => c.json({ error: err.message }, 400));
    return { app, seen };
  }

  test("values are inferred, repeated keys are arrays, files are File values backed by temp files", async () => {
    const { app, seen } = bodyApp();
    const form = new FormData();
    form.append("n", "12");
    form.append("b", "true");
    form.append("s", "007");
    form.append("e", "");
    form.append("list", "a");
    form.append("list", new File(["one"], "../../etc/one.txt", { type: "text/plain" }));
    form.append("list", "c");
    form.append("f", new File([new Uint8Array([1, 2, 3])], "b.bin", { type: "application/x-thing" }));
    form.append("ü", new File(["ünïcode"], "ünïcode näme.txt"));
    form.append("@jsonPayload", JSON.stringify({ n: "kept as a string", j: { deep: [1] } }));
    const res = await app.request("/", { method: "POST", body: form });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      n: "kept as a string",
      b: true,
      s: "007",
      e: "",
      list: ["a", { name: "one.txt", type: "text/plain", size: 3, text: "one" }, "c"],
      f: { name: "b.bin", type: "application/x-thing", size: 3, text: "\u0001\u0002\u0003" },
      ü: { name: "ünïcode näme.txt", type: "application/octet-stream", size: 9, text: "ünïcode" },
      j: { deep: [1] },
    });
    assert.equal(seen.length, 3); // the files were on disk during the handler
    assert.deepEqual(tempEntries(), []); // and are gone after it
  });

  test("a part with an empty file name or without one is a plain value, as in Go", async () => {
    const { app } = bodyApp();
    const body =
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"; filename=""\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n42\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="b"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\ntrue\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; filename="nameless.txt"\r\n\r\nskipped\r\n` +
      `--${BOUNDARY}--\r\n`;
    const res = await app.request("/", { method: "POST", body, headers: { "content-type": CONTENT_TYPE } });
    assert.deepEqual(await res.json(), { a: 42, b: true });
    assert.deepEqual(tempEntries(), []);
  });

  test("a temp folder that cannot be made is the server's fault (500), not the client's", async () => {
    const { app } = bodyApp();
    app.onError((err, c) => c.json({ status: err instanceof Error && "status" in err ? err.status : 0 }));
    const broken = mkdtempSync(join(privateTmp, "broken-"));
    writeFileSync(join(broken, "file"), "not a folder");
    const form = (): FormData => {
      const f = new FormData();
      f.append("f", new File(["abc"], "f.txt"));
      return f;
    };
    try {
      // `satchel-uploads` taken by a file: a folder directly in the temp dir instead
      process.env.TMPDIR = broken;
      writeFileSync(join(broken, "satchel-uploads"), "not a folder");
      const ok = await app.request("/", { method: "POST", body: form() });
      const okBody = await ok.json();
      assert.equal(okBody.f?.text, "abc", JSON.stringify(okBody));
      assert.deepEqual(readdirSync(broken).sort(), ["file", "satchel-uploads"]);
      // no temp dir at all
      process.env.TMPDIR = join(broken, "file", "tmp");
      const res = await app.request("/", { method: "POST", body: form() });
      assert.deepEqual(await res.json(), { status: 500 });
    } finally {
      process.env.TMPDIR = privateTmp;
    }
  });

  test("concurrent readBody calls share one parse", async () => {
    const app = new Router<ApiEnv>();
    app.use("*", uploadsCleanup());
    app.post("/", async (c) => {
      const [a, b] = await Promise.all([readBody(c), readBody(c)]);
      return c.json({ same: a === b, f: (a.f as File).size });
    });
    const form = new FormData();
    form.append("f", new File(["abc"], "f.txt"));
    const res = await app.request("/", { method: "POST", body: form });
    assert.deepEqual(await res.json(), { same: true, f: 3 });
    assert.deepEqual(tempEntries(), []);
  });
});
