import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { downloadAvatar, isPublicAddress } from "./record-oauth2-avatar.ts";

test("only public addresses count as public", () => {
  for (const ip of [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "::1",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "100.64.0.1",
  ]) {
    assert.equal(isPublicAddress(ip), false, ip);
  }
  for (const ip of ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
    assert.equal(isPublicAddress(ip), true, ip);
  assert.equal(isPublicAddress("not-an-ip"), false);
});

test("an avatar on a loopback address is never fetched", async () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end("png");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    assert.equal(await downloadAvatar(`http://127.0.0.1:${port}/a.png`), null);
    assert.equal(await downloadAvatar(`http://localhost:${port}/a.png`), null);
    assert.equal(hits, 0);
  } finally {
    server.close();
  }
});

test("non-http avatar URLs and garbage are ignored", async () => {
  assert.equal(await downloadAvatar("file:///etc/passwd"), null);
  assert.equal(await downloadAvatar("data:image/png;base64,AAAA"), null);
  assert.equal(await downloadAvatar("not a url"), null);
});
