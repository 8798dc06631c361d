/**
 * Realtime filters cannot stall writes (issue 16 §2): the filtered subscriptions all clients of
 * one IP hold together are capped, and a write is answered before its fan-out runs, so its
 * latency does not depend on how many filtered subscriptions are waiting for it. Latency is a
 * ratio to the same server's latency without subscribers, in the same test.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "./helpers/http.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { MAX_FILTERED_SUBSCRIPTIONS_PER_IP } from "../src/api/realtime-limits.ts";

/** Opens an SSE connection and returns its client id (from PB_CONNECT) and a closer. */
async function connect(s: TestServer): Promise<{ clientId: string; close: () => void }> {
  const abort = new AbortController();
  const res = await fetch(`${s.url}/api/realtime`, { signal: abort.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!/\n\n/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error("stream ended before PB_CONNECT");
    text += decoder.decode(value, { stream: true });
  }
  const clientId = /"clientId":"(\w+)"/.exec(text)?.[1];
  assert.ok(clientId, text);
  // Keep reading (and dropping) so the server never sees a slow consumer.
  void (async () => {
    try {
      while (!(await reader.read()).done);
    } catch {
      // closed
    }
  })();
  return { clientId, close: () => abort.abort() };
}

function filtered(n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => {
    const filter = `title ~ "needle-${i + offset}" || (title != "" && title ~ "x${i + offset}%")`;
    return `posts/*?options=${encodeURIComponent(JSON.stringify({ query: { filter } }))}`;
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

test("filtered subscriptions are capped per IP and do not slow writes down", async (t) => {
  const s = await startTestServer(t);
  await s.pb.collections.create({
    name: "posts",
    listRule: "",
    viewRule: "",
    createRule: "",
    fields: [{ name: "title", type: "text" }],
  });
  async function write(i: number): Promise<number> {
    const start = performance.now();
    const res = await request(s.url, "POST", "/api/collections/posts/records", { body: { title: `t${i}` } });
    assert.equal(res.status, 200, res.text);
    return performance.now() - start;
  }
  for (let i = 0; i < 5; i++) await write(i); // warm up
  const quiet: number[] = [];
  for (let i = 0; i < 15; i++) quiet.push(await write(i));

  const a = await connect(s);
  const b = await connect(s);
  t.after(() => {
    a.close();
    b.close();
  });
  const subscribe = (clientId: string, subscriptions: string[]) =>
    request(s.url, "POST", "/api/realtime", { body: { clientId, subscriptions } });

  // One client may hold PocketBase's 1000; the IP as a whole no more filtered ones than the cap.
  const full = await subscribe(a.clientId, filtered(MAX_FILTERED_SUBSCRIPTIONS_PER_IP));
  assert.equal(full.status, 204, full.text);
  const more = await subscribe(b.clientId, filtered(1, 5000));
  assert.equal(more.status, 400, more.text);
  assert.equal(more.json.data.subscriptions.code, "validation_too_many_filtered_subscriptions");
  // Unfiltered subscriptions are not capped by it; replacing a client's own set is fine.
  assert.equal((await subscribe(b.clientId, ["posts/*", "posts"])).status, 204);
  assert.equal((await subscribe(a.clientId, filtered(MAX_FILTERED_SUBSCRIPTIONS_PER_IP, 7))).status, 204);

  const busy: number[] = [];
  for (let i = 0; i < 15; i++) busy.push(await write(100 + i));
  const ratio = median(busy) / median(quiet);
  assert.ok(
    median(busy) < Math.max(5 * median(quiet), 100),
    `write p50 ${median(busy).toFixed(1)} ms with ${MAX_FILTERED_SUBSCRIPTIONS_PER_IP} filtered subscriptions vs ${median(quiet).toFixed(1)} ms without (×${ratio.toFixed(1)})`,
  );
  // The server stays healthy meanwhile.
  assert.equal((await request(s.url, "GET", "/api/health")).status, 200);
});
