import assert from "node:assert/strict";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { NodeRequest } from "./node-request.ts";

/** A server whose handler gets each request's NodeRequest view; the response is left to `handle`. */
async function serve(
  handle: (view: NodeRequest, res: ServerResponse, req: IncomingMessage) => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) =>
    handle(new NodeRequest(req, res, `http://x${req.url}`), res, req),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe("NodeRequest.signal", () => {
  it("is aborted when the client goes away before the response, without building the platform's Request", async () => {
    let aborted: Promise<unknown> | undefined;
    let view: NodeRequest | undefined;
    const server = await serve((v) => {
      view = v;
      const signal = v.signal;
      assert.equal(signal.aborted, false);
      aborted = new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason)));
      // no answer: the client gives up
    });
    try {
      const req = request({ port: server.port, path: "/" });
      req.on("error", () => {});
      req.end();
      while (!aborted) await new Promise((r) => setTimeout(r, 5));
      req.destroy();
      assert.equal(await aborted, "Client connection prematurely closed.");
      assert.equal(view!.isNative, false, "no platform Request was built for it");
    } finally {
      await server.close();
    }
  });

  it("stays unaborted for a finished response, and is the platform Request's once that is built", async () => {
    let signal: AbortSignal | undefined;
    let nativeAborted: boolean | undefined;
    const server = await serve((v, res) => {
      signal = v.signal;
      res.end("ok", () => {
        nativeAborted = v.native().signal.aborted;
      });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const req = request({ port: server.port, path: "/" }, (res) => {
          res.resume();
          res.once("end", () => resolve());
        });
        req.once("error", reject);
        req.end();
      });
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(signal!.aborted, false);
      assert.equal(nativeAborted, false);
    } finally {
      await server.close();
    }
  });
});
