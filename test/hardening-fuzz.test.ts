/**
 * Fuzz tests of hostile input (issue 16 §7): mutated multipart bodies on the records API and
 * random realtime subscription payloads. Every answer must be a clear status below 500, in time,
 * and the server must keep serving afterwards. Seeded: FUZZ_SEED=n reproduces a run.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "./helpers/http.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { createDocs } from "./helpers/files.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 16);
const ROUNDS = 150;
const DEADLINE_MS = 15_000;

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

const NASTY = [
  "",
  "\r\n",
  "--",
  '"',
  "\0",
  "%00",
  "../../etc/passwd",
  "x.txt.attrs",
  "é✓\u202e",
  "a".repeat(5000),
  "{",
  '{"a":',
  "[]",
  "null",
  "Content-Disposition: form-data",
  'name="one"; filename="a.txt"',
  "@jsonPayload",
];

async function send(
  s: TestServer,
  method: string,
  path: string,
  body: Uint8Array | string,
  contentType: string,
) {
  const res = await fetch(s.url + path, {
    method,
    headers: { "content-type": contentType, authorization: s.token },
    body: body as BodyInit,
    signal: AbortSignal.timeout(DEADLINE_MS),
  });
  await res.arrayBuffer();
  return res.status;
}

/** A valid multipart body, then mutated at random. */
async function mutatedMultipart(): Promise<{ body: Uint8Array; contentType: string }> {
  const form = new FormData();
  form.set("title", pick(NASTY));
  if (random() < 0.5)
    form.set("@jsonPayload", pick(['{"title":"j"}', "{", "[1]", '{"many":["x"]}', pick(NASTY)]));
  for (let i = int(4); i > 0; i--) {
    form.append(
      pick(["one", "many", "many+", "-many", "title", pick(NASTY)]),
      new File([pick(NASTY)], pick(NASTY) || "f.txt"),
    );
  }
  const req = new Request("http://x.invalid/", { method: "POST", body: form });
  let contentType = req.headers.get("content-type") ?? "";
  let bytes = new Uint8Array(await req.arrayBuffer());
  const text = () => new TextDecoder().decode(bytes);
  switch (int(8)) {
    case 0: // truncated
      bytes = bytes.slice(0, int(bytes.length));
      break;
    case 1: // random bytes flipped
      bytes = bytes.slice();
      for (let i = int(20) + 1; i > 0; i--) bytes[int(bytes.length)] = int(256);
      break;
    case 2: // a boundary that never appears
      contentType = "multipart/form-data; boundary=nothere";
      break;
    case 3: // no boundary at all
      contentType = pick([
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/mixed; boundary=x",
      ]);
      break;
    case 4: // a nasty string spliced in
      {
        const at = int(bytes.length);
        const t = text();
        bytes = new TextEncoder().encode(t.slice(0, at) + pick(NASTY) + t.slice(at));
      }
      break;
    case 5: // headers of a part doubled or broken
      bytes = new TextEncoder().encode(
        text().replace(/\r\n\r\n/, pick(["\r\n", "\n\n", "\r\n\r\n\r\n", "\r\nX: y\r\n\r\n"])),
      );
      break;
    case 6: // the closing boundary removed
      bytes = new TextEncoder().encode(text().replace(/--\r\n$/, ""));
      break;
    default: // left valid
      break;
  }
  return { body: bytes, contentType };
}

test(`mutated multipart bodies never get a 5xx or hang (seed ${SEED})`, async (t) => {
  const s = await startTestServer(t);
  await createDocs(s.pb);
  const created = await s.pb.collection("docs").create({ title: "target" });
  const statuses = new Map<number, number>();
  for (let i = 0; i < ROUNDS; i++) {
    const { body, contentType } = await mutatedMultipart();
    const path =
      random() < 0.5 ? "/api/collections/docs/records" : `/api/collections/docs/records/${created.id}`;
    const method = path.endsWith(created.id) ? "PATCH" : "POST";
    let status: number;
    try {
      status = await send(s, method, path, body, contentType);
    } catch (err) {
      const tail = new TextDecoder().decode(body.slice(-120));
      assert.fail(
        `round ${i}: ${method} ${contentType} (${body.length} bytes, ends ${JSON.stringify(tail)}): ${String(err)}`,
      );
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    assert.ok(status < 500, `round ${i}: ${method} answered ${status}`);
  }
  assert.ok((statuses.get(400) ?? 0) > 0, JSON.stringify([...statuses]));
  assert.equal((await request(s.url, "GET", "/api/health")).status, 200);
});

function randomJson(depth = 0): unknown {
  switch (int(depth > 2 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick([0, -1, 1e308, 2 ** 53, 0.5]);
    case 3:
      return pick(NASTY);
    case 4:
      return `posts/*?options=${pick([encodeURIComponent(JSON.stringify(randomJson(3))), "%", "{", "%7B%22query%22%3A1%7D", ""])}`;
    case 5:
      return Array.from({ length: int(5) }, () => randomJson(depth + 1));
    case 6:
      return Object.fromEntries(
        Array.from({ length: int(4) }, () => [
          pick(["query", "headers", "filter", "fields", "expand", pick(NASTY)]),
          randomJson(depth + 1),
        ]),
      );
    default:
      return {
        query: {
          filter: pick(["title = 1", "((", "@request.auth.id != ''", "title ~ '%'", pick(NASTY)]),
          expand: pick(NASTY),
          fields: pick(NASTY),
        },
        headers: { x: pick(NASTY) },
      };
  }
}

test(`random realtime subscription payloads never get a 5xx or hang (seed ${SEED})`, async (t) => {
  const s = await startTestServer(t);
  await s.pb.collections.create({
    name: "posts",
    listRule: "",
    viewRule: "",
    createRule: "",
    fields: [{ name: "title", type: "text" }],
  });
  const abort = new AbortController();
  t.after(() => abort.abort());
  const sse = await fetch(`${s.url}/api/realtime`, { signal: abort.signal });
  const reader = sse.body!.getReader();
  let first = "";
  while (!first.includes("\n\n")) first += new TextDecoder().decode((await reader.read()).value);
  const clientId = /"clientId":"(\w+)"/.exec(first)![1]!;
  void (async () => {
    try {
      while (!(await reader.read()).done);
    } catch {
      // closed
    }
  })();
  for (let i = 0; i < ROUNDS; i++) {
    const subscriptions = random() < 0.7 ? Array.from({ length: int(6) }, () => randomJson(1)) : randomJson();
    const payload =
      random() < 0.8 ? { clientId: random() < 0.9 ? clientId : randomJson(), subscriptions } : randomJson();
    const raw = random() < 0.9 ? JSON.stringify(payload) : JSON.stringify(payload).slice(0, int(40));
    const status = await send(s, "POST", "/api/realtime", raw, "application/json");
    assert.ok(status < 500, `round ${i}: ${raw.slice(0, 200)} answered ${status}`);
    if (i % 10 === 0) {
      // Events still flow to whatever was accepted.
      const write = await request(s.url, "POST", "/api/collections/posts/records", {
        body: { title: `w${i}` },
      });
      assert.equal(write.status, 200);
    }
  }
  assert.equal((await request(s.url, "GET", "/api/health")).status, 200);
});
