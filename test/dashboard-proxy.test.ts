/**
 * The dashboard behind a reverse proxy that mounts Satchel under a path prefix
 * (`/backend/` → `/`): assets, the SDK's API calls and realtime all go through the prefix.
 */
import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { browserSkipReason, ensureDashboardBuilt, launchBrowser, newPage } from "./helpers/browser.ts";
import { startTestServer, SUPERUSER } from "./helpers/server.ts";

const skip = browserSkipReason();
const PREFIX = "/backend";

/** A streaming reverse proxy: `PREFIX/x` → `target/x`, anything else is a 404. */
async function startPrefixProxy(
  t: { after(fn: () => unknown): void },
  target: string,
): Promise<{ url: string; seen: string[] }> {
  const upstream = new URL(target);
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    if (!path.startsWith(PREFIX + "/") && path !== PREFIX) {
      res.writeHead(404).end("outside the prefix");
      return;
    }
    seen.push(path);
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: path.slice(PREFIX.length) || "/",
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("dashboard under a path prefix", { skip: skip ?? false }, () => {
  test("login and the records table work at /backend/_/", async (t) => {
    ensureDashboardBuilt();
    const srv = await startTestServer(t);
    const proxy = await startPrefixProxy(t, srv.url);
    const browser = await launchBrowser(t);
    const { page, errors } = await newPage(browser);

    const redirect = await fetch(`${proxy.url}${PREFIX}/_`, { redirect: "manual" });
    assert.equal(
      new URL(redirect.headers.get("location")!, `${proxy.url}${PREFIX}/_`).pathname,
      `${PREFIX}/_/`,
    );

    await page.goto(`${proxy.url}${PREFIX}/_/`);
    await page.getByLabel("Email").fill(SUPERUSER.email);
    await page.getByLabel("Password", { exact: true }).fill(SUPERUSER.password);
    await page.getByRole("button", { name: "Login" }).click();
    await page.getByRole("link", { name: "users" }).waitFor();
    await page.getByText("Live").waitFor();
    await srv.pb
      .collection("users")
      .create({ email: "live@example.com", password: "1234567890", passwordConfirm: "1234567890" });
    await page.getByRole("cell", { name: "live@example.com" }).waitFor();
    assert.ok(
      proxy.seen.some((p) => p.startsWith(`${PREFIX}/_/assets/`)),
      "assets came through the prefix",
    );
    assert.ok(
      proxy.seen.some((p) => p.startsWith(`${PREFIX}/api/collections/_superusers/auth-with-password`)),
      "API calls too",
    );
    assert.ok(
      proxy.seen.some((p) => p.startsWith(`${PREFIX}/api/realtime`)),
      "and realtime",
    );
    assert.deepEqual(errors, [], "no uncaught page errors");
  });
});
