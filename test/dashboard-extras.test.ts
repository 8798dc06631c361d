/**
 * The dashboard's extras in a real Chromium against `satchel serve` with a TypeScript hooks
 * module: a UI extension (header link, page, its own files) loaded before the router, the hooks
 * routes and crons listed read-only, the TypeScript types download, and toasts that stay clear
 * of the records table and its controls.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
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
import { startTestServer, SUPERUSER, tempDir } from "./helpers/server.ts";

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
    const controlBoxes = await Promise.all(controls.map((c) => box(c)));
    // read every toast's box at once (they expire on their own)
    const toastBoxes = await toasts.evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }),
    );
    assert.ok(toastBoxes.length >= 1);
    for (const b of toastBoxes) {
      assert.ok(b.width > 0 && b.y + b.height <= 60, "toasts sit in the header");
      controlBoxes.forEach((c, i) => assert.ok(!intersects(b, c), `a toast covers ${String(controls[i])}`));
    }
    // The newest is on top and can be dismissed.
    await page.getByRole("button", { name: "New record", exact: true }).click();
    const rec = page.getByRole("dialog", { name: "New posts record" });
    await rec.getByLabel(/^title/).fill("four");
    await rec.getByRole("button", { name: "Create" }).click();
    await rec.waitFor({ state: "detached" });
    const before = await toasts.count();
    await toasts.last().getByRole("button", { name: "Dismiss message" }).click();
    await page.waitForFunction((n) => document.querySelectorAll(".toasts [role=status]").length < n, before);

    assert.deepEqual(errors, [], "no uncaught page errors");
  });

  test("OAuth2 providers: every provider's own form, Apple's secret generator", async (t) => {
    ensureDashboardBuilt();
    const served = await serveSatchel(t);
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

    await page.getByRole("link", { name: "users" }).click();
    await page.getByRole("button", { name: "Collection settings" }).click();
    const panel = page.getByRole("dialog", { name: "Edit users collection" });
    await panel.getByRole("tab", { name: "Options" }).click();
    const oauth2 = panel.locator("details", { has: page.locator("summary", { hasText: /^OAuth2/ }) });
    await oauth2.locator("summary").click();
    await oauth2.getByLabel("Enable", { exact: true }).check();
    const addProvider = async (search: string, name: string) => {
      await panel.getByRole("button", { name: "+ Add provider" }).click();
      const picker = panel.getByRole("group", { name: "Select OAuth2 provider" });
      await picker.getByRole("searchbox", { name: "Search providers" }).fill(search);
      await picker.getByRole("button", { name: new RegExp(name) }).click();
    };

    // OIDC: display name, endpoints, the user from the ID token (JWKS, issuers), PKCE off.
    await addProvider("oidc", "^OIDC oidc$");
    let form = panel.getByRole("group", { name: "OIDC provider settings" });
    await form.getByLabel("Client ID").fill("oidc-client");
    await form.getByLabel("Client secret").fill("oidc-secret");
    await form.getByLabel("Display name").fill("Corp SSO");
    form = panel.getByRole("group", { name: "Corp SSO provider settings" });
    await form.getByLabel("Auth URL").fill("https://sso.example.com/authorize");
    await form.getByLabel("Token URL").fill("https://sso.example.com/token");
    await form.getByLabel("Fetch user info from").selectOption("idtoken");
    await form.getByLabel("JWKS verification URL").fill("https://sso.example.com/jwks");
    await form.getByLabel("Issuers").fill("https://sso.example.com, https://sso2.example.com");
    await form.getByLabel("Issuers").blur();
    await form.getByLabel("Support PKCE").uncheck();
    await screenshot(page, "collection-oauth2");

    // Microsoft: where the email comes from.
    await addProvider("micro", "Microsoft");
    form = panel.getByRole("group", { name: "Microsoft provider settings" });
    await form.getByLabel("Client ID").fill("ms-client");
    await form.getByLabel("Client secret").fill("ms-secret");
    await form.getByLabel("Extract email from").selectOption("verified_primary_email");

    // Lark: the larksuite.com site.
    await addProvider("lark", "Lark");
    form = panel.getByRole("group", { name: "Lark provider settings" });
    await form.getByLabel("Client ID").fill("lark-client");
    await form.getByLabel("Client secret").fill("lark-secret");
    await form.getByLabel("Site").selectOption("larksuite.com");

    // GitLab: self-hosted endpoints.
    await addProvider("gitlab", "GitLab");
    form = panel.getByRole("group", { name: "GitLab provider settings" });
    await form.getByText("Self-hosted endpoints (optional)").waitFor();
    await form.getByLabel("Client ID").fill("gl-client");
    await form.getByLabel("Client secret").fill("gl-secret");
    await form.getByLabel("Auth URL").fill("https://git.example.com/oauth/authorize");

    // Apple: the client secret is generated by the server from the developer's key.
    await addProvider("apple", "Apple");
    form = panel.getByRole("group", { name: "Apple provider settings" });
    await form.getByLabel("Client ID", { exact: true }).fill("com.example.app");
    await form.getByRole("button", { name: "Generate secret" }).click();
    const gen = form.getByRole("group", { name: "Generate Apple client secret" });
    await gen.getByLabel("Team ID").fill("ABCDE12345");
    await gen.getByLabel("Key ID").fill("KEY1234567");
    await gen.getByLabel("Private key").fill("not a key");
    await gen.getByRole("button", { name: "Generate and set secret" }).click();
    await page.getByText("Failed to generate client secret.").waitFor();
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await gen.getByLabel("Private key").fill(privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    await screenshot(page, "collection-oauth2-apple");
    await gen.getByRole("button", { name: "Generate and set secret" }).click();
    await page.getByText("Successfully generated client secret.").waitFor();
    const secret = await form.getByLabel("Client secret").inputValue();
    const claims = JSON.parse(Buffer.from(secret.split(".")[1]!, "base64url").toString()) as Record<
      string,
      unknown
    >;
    assert.equal(claims.sub, "com.example.app");
    assert.equal(claims.iss, "ABCDE12345");

    await panel.getByRole("button", { name: "Save changes" }).click();
    await panel.waitFor({ state: "detached" });
    const users = await api.collections.getOne("users");
    const byName = Object.fromEntries(
      (users.oauth2.providers as Record<string, unknown>[]).map((p) => [p.name as string, p]),
    );
    assert.equal(users.oauth2.enabled, true);
    assert.deepEqual(Object.keys(byName).sort(), ["apple", "gitlab", "lark", "microsoft", "oidc"]);
    assert.equal(byName.oidc!.displayName, "Corp SSO");
    assert.equal(byName.oidc!.clientId, "oidc-client");
    assert.equal(byName.oidc!.authURL, "https://sso.example.com/authorize");
    assert.equal(byName.oidc!.userInfoURL, "");
    assert.equal(byName.oidc!.pkce, false);
    assert.deepEqual(byName.oidc!.extra, {
      jwksURL: "https://sso.example.com/jwks",
      issuers: ["https://sso.example.com", "https://sso2.example.com"],
    });
    assert.deepEqual(byName.microsoft!.extra, { idTokenEmailClaim: "verified_primary_email" });
    assert.equal(byName.lark!.authURL, "https://accounts.larksuite.com/open-apis/authen/v1/authorize");
    assert.equal(byName.gitlab!.authURL, "https://git.example.com/oauth/authorize");
    assert.equal(byName.apple!.clientId, "com.example.app");
    assert.deepEqual(errors, [], "no uncaught page errors");
  });

  test("geo point map without tile servers; the ERD of relations", async (t) => {
    ensureDashboardBuilt();
    const srv = await startTestServer(t);
    const users = await srv.pb.collections.getOne("users");
    await srv.pb.collections.create({
      name: "places",
      type: "base",
      fields: [
        { name: "name", type: "text" },
        { name: "where", type: "geoPoint" },
        { name: "owner", type: "relation", collectionId: users.id, maxSelect: 1 },
      ],
    });
    const places = await srv.pb.collections.getOne("places");
    await srv.pb.collections.update("places", {
      fields: [...places.fields, { name: "near", type: "relation", collectionId: places.id, maxSelect: 5 }],
    });
    const browser = await launchBrowser(t);
    const { page, errors } = await newPage(browser);
    const offsite: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(srv.url) && !r.url().startsWith("data:") && !r.url().startsWith("blob:"))
        offsite.push(r.url());
    });
    await page.goto(`${srv.url}/_/`);
    await page.getByLabel("Email").fill(SUPERUSER.email);
    await page.getByLabel("Password", { exact: true }).fill(SUPERUSER.password);
    await page.getByRole("button", { name: "Login" }).click();
    await page.getByRole("link", { name: "places" }).click();
    await page.getByRole("button", { name: "New record", exact: true }).click();
    const rec = page.getByRole("dialog", { name: "New places record" });
    await rec.getByLabel(/^name/).fill("Somewhere");
    await rec.getByRole("button", { name: "Show map" }).click();
    const map = rec.getByRole("application", { name: /where map/ });
    await map.waitFor();
    // A click at three quarters of the width and a third of the height: lon 90, lat 30.
    const b = (await map.boundingBox())!;
    await map.click({ position: { x: b.width * 0.75, y: b.height / 3 } });
    const lon = () => rec.getByLabel("where longitude").inputValue().then(Number);
    const lat = () => rec.getByLabel("where latitude").inputValue().then(Number);
    assert.ok(Math.abs((await lon()) - 90) < 1.5, `lon ${await lon()}`);
    assert.ok(Math.abs((await lat()) - 30) < 1.5, `lat ${await lat()}`);
    // Arrow keys nudge it by a degree; zoom keeps the point in view.
    const before = await lat();
    await map.press("ArrowUp");
    assert.equal(Math.round((await lat()) - before), 1);
    await rec.getByRole("button", { name: "Zoom in" }).click();
    await rec.getByRole("button", { name: "Zoom in" }).click();
    await rec.getByText("4×").waitFor();
    // Typed coordinates move the marker.
    await rec.getByLabel("where longitude").fill("23.32");
    await rec.getByLabel("where latitude").fill("42.7");
    await screenshot(page, "record-geo-map");
    await rec.getByRole("button", { name: "Create" }).click();
    await rec.waitFor({ state: "detached" });
    const [place] = await srv.pb.collection("places").getFullList();
    assert.deepEqual(place!.where, { lon: 23.32, lat: 42.7 });
    assert.deepEqual(offsite, [], "no request leaves the server");

    // The overview draws an arrow per relation (to another collection and to itself).
    await page.getByRole("button", { name: "Collections overview" }).click();
    const overview = page.getByRole("dialog", { name: "Collections overview" });
    const toUsers = overview.locator('path[data-edge="places.owner→users"]');
    await toUsers.waitFor({ state: "attached" });
    await overview.locator('path[data-edge="places.near→places"]').waitFor({ state: "attached" });
    const d = await toUsers.getAttribute("d");
    assert.match(d!, /^M[\d.-]+,[\d.-]+ C/);
    // Hovering a collection highlights its arrows; zoom buttons and Ctrl+0.
    await overview.getByRole("region", { name: "places" }).hover();
    await overview.locator("path.rel.active").first().waitFor({ state: "attached" });
    await overview.getByRole("button", { name: "Zoom out" }).click();
    await overview.getByText("80%").waitFor();
    await screenshot(page, "collections-erd");
    await page.keyboard.press("Control+0");
    await overview.getByText("100%").waitFor();
    assert.deepEqual(errors, [], "no uncaught page errors");
  });
});
