/**
 * The node adapter and request bodies the handler did not read: a keep-alive connection goes on
 * serving whether the body was absent (a DELETE), complete but unread, or still arriving.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { it } from "node:test";
import { nodeRequestListener } from "./node-adapter.ts";
import { Router } from "./router.ts";

/** Sends `raw` on one connection and resolves with everything received until `responses` came in. */
function exchange(port: number, raw: string, responses: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(raw));
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
      if ((received.match(/HTTP\/1\.1 /g) ?? []).length >= responses && received.endsWith("ok")) {
        socket.end();
        resolve(received);
      }
    });
    socket.on("error", reject);
    setTimeout(() => reject(new Error(`timed out with: ${received}`)), 5000).unref();
  });
}

it("answers every request of a keep-alive connection whose bodies the handler never read", async () => {
  const router = new Router();
  router.on(["DELETE", "POST"], "/x", (c) => c.text("ok"));
  const server = createServer(nodeRequestListener(router));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const request = (method: string, body?: string) =>
      `${method} /x HTTP/1.1\r\nHost: a\r\n` +
      (body === undefined ? "\r\n" : `Content-Length: ${body.length}\r\n\r\n${body}`);
    const raw = request("DELETE") + request("DELETE") + request("POST", "a".repeat(100)) + request("DELETE");
    const received = await exchange(port, raw, 4);
    assert.equal((received.match(/HTTP\/1\.1 200 OK/g) ?? []).length, 4);
  } finally {
    server.close();
  }
});
