/**
 * The newcomer's journey through the dashboard in a real Chromium, against `satchel serve`:
 * installer link → first superuser → collections → "New collection" → "New record" → the filter
 * bar → settings → logs, with no uncaught page errors. Every step is checked through the API too.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import PocketBase from "pocketbase";
import {
  browserSkipReason,
  ensureDashboardBuilt,
  launchBrowser,
  newPage,
  screenshot,
  serveSatchel,
} from "./helpers/browser.ts";

const skip = browserSkipReason();
const EMAIL = "first@example.com";
const PASSWORD = "correct horse battery";

describe("dashboard journey", { skip: skip ?? false }, () => {
  test("installer → superuser → collection → record → filter → settings → logs", async (t) => {
    ensureDashboardBuilt();
    const served = await serveSatchel(t);
    const browser = await launchBrowser(t);
    const { page, errors } = await newPage(browser);
    const api = new PocketBase(served.url);

    // Installer: the link printed by `serve` creates the first superuser and logs in.
    await page.goto(served.installerLink);
    await page.getByRole("heading", { name: /set up your satchel instance/i }).waitFor();
    await screenshot(page, "installer");
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Password confirm").fill(PASSWORD);
    await page.getByRole("button", { name: "Create superuser and login" }).click();
    await page.getByRole("complementary", { name: "Collections" }).waitFor();
    await api.collection("_superusers").authWithPassword(EMAIL, PASSWORD);
    assert.ok(api.authStore.isValid, "the superuser made in the browser can log in through the API");

    // Collections: the sidebar lists `users`; it opens by default.
    await page.getByRole("link", { name: "users" }).waitFor();
    await page.getByText("Total: 0").waitFor();
    await screenshot(page, "collections");

    // Logout and the login form.
    await page.getByRole("button", { name: /account menu/i }).click();
    await page.getByRole("menuitem", { name: "Logout" }).click();
    await page.getByRole("heading", { name: /superuser login/i }).waitFor();
    await screenshot(page, "login");
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password", { exact: true }).fill("wrong password");
    await page.getByRole("button", { name: "Login" }).click();
    await page.getByText("Invalid login credentials.").waitFor();
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Login" }).click();
    await page.getByRole("link", { name: "users" }).waitFor();

    // New collection with a text, a number and a bool field. Page-wide, loosely matched queries
    // on purpose: the main controls must be unambiguous however a test looks for them.
    await page.getByRole("button", { name: "New collection" }).click();
    const panel = page.getByRole("dialog", { name: "New collection" });
    await page.getByLabel("Name").fill("posts");
    for (const type of ["Plain text", "Number", "Bool"]) {
      await panel.getByRole("button", { name: "New field" }).click();
      await panel.getByRole("menuitem", { name: type }).click();
    }
    await panel.getByRole("textbox", { name: "Field identifier" }).nth(1).fill("title");
    await screenshot(page, "collection-new");
    assert.equal(await page.getByRole("button", { name: "Create" }).count(), 1);
    await panel.getByRole("tab", { name: "API rules" }).click();
    await panel.getByRole("button", { name: "Unlock and set custom rule" }).first().click();
    await panel.getByRole("textbox", { name: "List/Search rule" }).fill("");
    await screenshot(page, "collection-rules");
    await panel.getByRole("button", { name: "Create" }).click();
    await panel.waitFor({ state: "detached" });
    const posts = await api.collections.getOne("posts");
    assert.deepEqual(
      posts.fields.map((f) => `${f.name}:${f.type}`),
      ["id:text", "title:text", "number:number", "bool:bool", "created:autodate", "updated:autodate"],
    );
    assert.equal(posts.listRule, "");

    // New record.
    await page.getByRole("link", { name: "posts" }).click();
    for (const title of ["hello world", "second post"]) {
      await page.getByRole("button", { name: "New record" }).click();
      const rec = page.getByRole("dialog", { name: "New posts record" });
      await rec.getByLabel("title").fill(title);
      await rec.getByLabel("number").fill("42");
      if (title === "hello world") await screenshot(page, "record-new");
      await page.getByRole("button", { name: "Create" }).click();
      await rec.waitFor({ state: "detached" });
    }
    const list = await api.collection("posts").getFullList({ sort: "title" });
    assert.deepEqual(
      list.map((r) => [r.title, r.number]),
      [
        ["hello world", 42],
        ["second post", 42],
      ],
    );
    await page.getByRole("cell", { name: "second post" }).waitFor();

    // Filter bar: a plain term and an expression.
    const filter = page.getByPlaceholder("Search term or filter...");
    await filter.fill("hello");
    await filter.press("Enter");
    await page.getByText("Total: 1").waitFor();
    await filter.fill('title = "second post"');
    await filter.press("Enter");
    await page.getByRole("cell", { name: "second post" }).waitFor();
    await page.getByText("Total: 1").waitFor();
    await screenshot(page, "records-filtered");
    await page.getByRole("button", { name: "Clear", exact: true }).click();
    await page.getByText("Total: 2").waitFor();

    // Settings.
    await page.getByRole("link", { name: "Settings" }).click();
    const appName = page.getByLabel("Application name");
    await appName.fill("Journey app");
    await screenshot(page, "settings-application");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Successfully saved application settings.").waitFor();
    assert.equal(
      ((await api.settings.getAll()) as { meta: { appName: string } }).meta.appName,
      "Journey app",
    );
    await page.getByRole("link", { name: "Journey app home" }).waitFor();

    // Logs.
    await page.getByRole("link", { name: "Logs" }).click();
    await page.getByRole("heading", { name: "Logs" }).waitFor();
    // The chart and the table load after the heading: shoot the page a user reads, not a spinner.
    await page.waitForFunction(() => !document.querySelector("main")?.textContent?.includes("Loading"));
    await screenshot(page, "logs");

    assert.deepEqual(errors, [], "no uncaught page errors");
  });
});
