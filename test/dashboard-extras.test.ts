/**
 * The dashboard's extras in a real Chromium against `satchel serve` with a TypeScript hooks
 * module: a UI extension (header link, page, its own files) loaded before the router, the hooks
 * routes and crons listed read-only, the TypeScript types download, and toasts that stay clear
 * of the records table and its controls.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import PocketBase from "pocketbase";
import type { Locator } from "playwright-core";
import {
  browserSkipReason,
  ensureDashboardBuilt,
  launchBrowser,
  newPage,
  screenshot,
  serveSatchel,
} from "./helpers/browser.ts";
import { tempDir } from "./helpers/server.ts";

const skip = browserSkipReason();
const EMAIL = "first@example.com";
const PASSWORD = "correct horse battery";

const HOOKS_MODULE = `import { fileURLToPath } from "node:url";
export default (app) => {
  app.onServe((e) => {
    e.uiExtensions.push({ name: "hello", dir: fileURLToPath(new URL("./ui-hello/", import.meta.url)) });
    return e.next();
  });
  app.routerAdd("GET", "/hello/{name}", (e) => e.json(200, { hello: e.request.pathValue("name") }));
  app.cronAdd("hello_job", "*/5 * * * *", () => {});
};
`;

const EXTENSION_MAIN = `const { pb, headerLinks, pages } = window.satchel;
headerLinks.push({ label: "Hello", href: "#/hello" });
pages["/hello"] = (el) => {
  const h = document.createElement("h1");
  h.textContent = "Hello from an extension";
  const img = document.createElement("img");
  img.alt = "Extension logo";
  img.src = extension.url + "logo.svg";
  const who = document.createElement("p");
  who.textContent = "Signed in as " + pb.authStore.record.email;
  el.append(h, img, who);
};
`;

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18" fill="#3b5bdb"/></svg>`;

function intersects(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function box(l: Locator) {
  const b = await l.boundingBox();
  assert.ok(b, "the element is on screen");
  return b;
}

describe("dashboard extras", { skip: skip ?? false }, () => {
  test("extension, hooks routes and crons, TypeScript types, toasts clear of the table", async (t) => {
    ensureDashboardBuilt();
    const hooksDir = tempDir(t, "satchel-ui-hooks-");
    writeFileSync(join(hooksDir, "ext.pb.mjs"), HOOKS_MODULE);
    mkdirSync(join(hooksDir, "ui-hello"));
    writeFileSync(join(hooksDir, "ui-hello", "main.js"), EXTENSION_MAIN);
    writeFileSync(join(hooksDir, "ui-hello", "logo.svg"), LOGO);
    const served = await serveSatchel(t, ["--hooksDir", hooksDir]);
    const browser = await launchBrowser(t);
    const { page, errors } = await newPage(browser);
    const api = new PocketBase(served.url);

    await page.goto(served.installerLink);
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Password confirm").fill(PASSWORD);
    await page.getByRole("button", { name: "Create superuser and login" }).click();
    await page.getByRole("complementary", { name: "Collections" }).waitFor();
    await api.collection("_superusers").authWithPassword(EMAIL, PASSWORD);

    // The extension ran before the router: its header link opens its page, with its own image.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Hello" }).click();
    await page.getByRole("heading", { name: "Hello from an extension" }).waitFor();
    await page.getByText(`Signed in as ${EMAIL}`).waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('img[alt="Extension logo"]');
      return !!img && img.complete && img.naturalWidth === 40;
    });
    await screenshot(page, "extension-page");
    // A reload lands on the extension's page again (the route exists before the router starts).
    await page.reload();
    await page.getByRole("heading", { name: "Hello from an extension" }).waitFor();

    // Hooks routes and crons, read-only.
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("link", { name: "Hooks routes" }).click();
    const routes = page.getByRole("table", { name: "Hooks routes" });
    await routes.getByRole("row", { name: /GET \/hello\/\{name\} TypeScript\/ES module/ }).waitFor();
    const crons = page.getByRole("table", { name: "Registered crons" });
    await crons.getByRole("row", { name: /hello_job \*\/5 \* \* \* \* App \/ hooks/ }).waitFor();
    assert.equal(await page.getByRole("button", { name: /Run/ }).count(), 0, "read-only");
    await screenshot(page, "settings-hooks");

    // TypeScript types of every collection, generated in the browser.
    await api.collections.create({
      name: "posts",
      type: "base",
      fields: [
        { name: "title", type: "text", required: true },
        { name: "status", type: "select", values: ["draft", "live"], maxSelect: 1 },
      ],
    });
    await page.getByRole("link", { name: "Export collections" }).click();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download TypeScript types" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "pocketbase-types.ts");
    const typesFile = join(tempDir(t, "satchel-ui-dl-"), "types.ts");
    await download.saveAs(typesFile);
    const types = readFileSync(typesFile, "utf8");
    assert.match(types, /export type TypedPocketBase = PocketBase & \{/);
    assert.match(types, /collection\(idOrName: "posts"\): RecordService<PostsResponse>;/);
    assert.match(types, /status: "draft" \| "live" \| "";/);
    await page.getByText(/Downloaded the TypeScript types of \d+ collections\./).waitFor();
    await screenshot(page, "settings-export-types");

    // Toasts: several at once stay in the header's free space, clear of the table, its paging
    // and the page's buttons.
    await page.getByRole("link", { name: "Collections", exact: true }).click();
    await page.getByRole("link", { name: "posts" }).click();
    for (const title of ["one", "two", "three"]) {
      await page.getByRole("button", { name: "New record", exact: true }).click();
      const rec = page.getByRole("dialog", { name: "New posts record" });
      await rec.getByLabel(/^title/).fill(title);
      await rec.getByRole("button", { name: "Create" }).click();
      await rec.waitFor({ state: "detached" });
    }
    await page.getByText("Total: 3").waitFor();
    const toasts = page.locator(".toasts [role=status]");
    assert.ok((await toasts.count()) >= 2, "several toasts are shown at once");
    await screenshot(page, "toasts");
    const controls = [
      page.getByRole("table"),
      page.getByRole("button", { name: "New record", exact: true }),
      page.getByRole("button", { name: "API preview" }),
      page.getByRole("searchbox").or(page.getByPlaceholder("Search term or filter...")).first(),
      page.getByLabel("Per page"),
      page.getByRole("button", { name: "New collection", exact: true }),
      page.getByRole("button", { name: /Account menu/ }),
    ];
    for (let i = 0; i < (await toasts.count()); i++) {
      const b = await box(toasts.nth(i));
      for (const control of controls) {
        assert.ok(!intersects(b, await box(control)), `a toast covers ${String(control)}`);
      }
    }
    // The newest is on top and can be dismissed.
    const before = await toasts.count();
    await toasts.last().getByRole("button", { name: "Dismiss message" }).click();
    await page.waitForFunction((n) => document.querySelectorAll(".toasts [role=status]").length < n, before);

    assert.deepEqual(errors, [], "no uncaught page errors");
  });
});
