import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { releasePooledParsers } from "./parser-pool.ts";

/** One GET on a new connection (no keep-alive), resolved with the status once the body is read. */
function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ port, path: "/", agent: false, headers: { connection: "close" } }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode ?? 0));
    });
    req.once("error", reject);
    req.end();
  });
}

describe("releasePooledParsers", () => {
  it("closes the parsers node:http pooled after a burst, and the server keeps serving", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      releasePooledParsers();
      // 30 connections at once: their parsers (the server's and the client's) go to the pool.
      const statuses = await Promise.all(Array.from({ length: 30 }, () => get(port)));
      assert.ok(statuses.every((s) => s === 200));
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(releasePooledParsers() >= 30, "the burst's parsers were pooled, and are closed");
      assert.equal(releasePooledParsers(), 0, "the pool is empty");
      assert.equal(await get(port), 200, "a new connection gets a new parser");
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
