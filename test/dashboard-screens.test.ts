/**
 * Every dashboard screen in a real Chromium against a real server: a collection with a field
 * of every type and a relation, records (file upload and thumb, relation picker, sort, live
 * updates, bulk delete), API preview, every settings page (test email to a real SMTP server),
 * logs, dark mode and a phone-width layout. Each step is checked through the API as well.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import {
  browserSkipReason,
  ensureDashboardBuilt,
  launchBrowser,
  newPage,
  screenshot,
} from "./helpers/browser.ts";
import { startTestServer, SUPERUSER } from "./helpers/server.ts";
import { SMTP_USER, startSmtpSink } from "./helpers/smtp.ts";

const skip = browserSkipReason();

// A 2×2 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
  "base64",
);

async function login(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/_/`);
  await page.getByLabel("Email").fill(SUPERUSER.email);
  await page.getByLabel("Password", { exact: true }).fill(SUPERUSER.password);
  await page.getByRole("button", { name: "Login" }).click();
  await page.getByRole("complementary", { name: "Collections" }).waitFor();
}

describe("dashboard screens", { skip: skip ?? false }, () => {
  test("collections, records, API preview", async (t) => {
    ensureDashboardBuilt();
    const srv = await startTestServer(t);
    const api = srv.pb;
    await api.collections.create({ name: "tags", type: "base", fields: [{ name: "name", type: "text" }] });
    for (const name of ["red", "green"]) await api.collection("tags").create({ name });
    const browser = await launchBrowser(t);
    const { page, errors } = await newPage(browser);
    await login(page, srv.url);

    // A collection with every field type the menu offers.
    await page.getByRole("button", { name: "New collection", exact: true }).click();
    const panel = page.getByRole("dialog", { name: "New collection" });
    // A server validation error shows next to its field.
    await panel.getByRole("button", { name: "Create" }).click();
    await panel.locator("#collection-name ~ .error").waitFor();
    assert.match(await panel.locator("#collection-name ~ .error").innerText(), /blank/i);
    await panel.getByLabel("Name", { exact: true }).fill("articles");
    const types = [
      "Plain text",
      "Rich editor",
      "Number",
      "Bool",
      "Email",
      "URL",
      "Datetime",
      "Select",
      "File",
      "Relation",
      "JSON",
      "Geo Point",
    ];
    for (const type of types) {
      await panel.getByRole("button", { name: "New field" }).click();
      await panel.getByRole("menuitem", { name: type, exact: true }).click();
    }
    await panel.getByRole("textbox", { name: "Field identifier" }).nth(1).fill("title");
    // Options of the select, file and relation fields (their rows open when added).
    await panel.getByLabel("Choices (one per line)").fill("draft\npublished");
    await panel.getByLabel("Thumb sizes").fill("100x100");
    await panel.getByLabel("Thumb sizes").blur();
    await panel.getByLabel("Collection", { exact: true }).selectOption({ label: "tags" });
    await panel.getByLabel("Single / Multiple").last().selectOption("multiple");
    await screenshot(page, "collection-fields-all-types");
    await panel.getByRole("tab", { name: "API rules" }).click();
    await panel.getByRole("button", { name: "Unlock and set custom rule" }).first().click();
    const rule = panel.getByRole("textbox", { name: "List/Search rule" });
    await rule.pressSequentially("@request.au");
    await panel.getByRole("option", { name: "@request.auth.id" }).waitFor();
    await rule.press("Enter");
    await rule.pressSequentially(' != ""');
    await panel.getByRole("button", { name: "Create" }).click();
    await panel.waitFor({ state: "detached" });
    const articles = await api.collections.getOne("articles");
    assert.deepEqual(
      articles.fields.map((f) => f.type),
      [
        "text",
        "text",
        "editor",
        "number",
        "bool",
        "email",
        "url",
        "date",
        "select",
        "file",
        "relation",
        "json",
        "geoPoint",
        "autodate",
        "autodate",
      ],
    );
    assert.equal(articles.listRule, '@request.auth.id != ""');
    const relation = articles.fields.find((f) => f.type === "relation")!;
    assert.equal(relation.maxSelect > 1, true);

    // Collections overview: fields with relations, and one rule across collections.
    await page.getByRole("button", { name: "Collections overview" }).click();
    const overview = page.getByRole("dialog", { name: "Collections overview" });
    await overview.getByText("→ tags (multiple)").waitFor();
    await screenshot(page, "collections-overview");
    await overview.getByRole("tab", { name: "Rules" }).click();
    await overview
      .getByRole("row", { name: /articles/ })
      .getByText("@request.auth.id")
      .waitFor();
    await overview.getByRole("button", { name: "Close panel" }).click();

    // A record with a file and a relation.
    await page.getByRole("link", { name: "articles" }).click();
    await page.getByRole("button", { name: "New record", exact: true }).click();
    const rec = page.getByRole("dialog", { name: "New articles record" });
    await rec.getByLabel("title", { exact: true }).fill("First article");
    await rec.getByLabel("number", { exact: true }).fill("7");
    await rec.getByLabel("select", { exact: true }).selectOption("published");
    await rec
      .getByLabel("file", { exact: true })
      .setInputFiles({ name: "cover.png", mimeType: "image/png", buffer: PNG });
    await rec.getByText("cover.png").waitFor();
    await rec.getByRole("button", { name: "Open records picker" }).click();
    const picker = page.getByRole("dialog", { name: "Select tags" });
    await picker.getByRole("checkbox").first().waitFor();
    await picker.getByText("red").click();
    await picker.getByRole("button", { name: "Set selection" }).click();
    await rec.locator("#rf-json").fill('{"a": 1}');
    await screenshot(page, "record-edit");
    await rec.getByRole("button", { name: "Create" }).click();
    await rec.waitFor({ state: "detached" });
    const [first] = await api.collection("articles").getFullList();
    assert.equal(first!.title, "First article");
    assert.equal(first!.number, 7);
    assert.equal(first!.select, "published");
    assert.deepEqual(first!.json, { a: 1 });
    assert.match(first!.file, /^cover_\w+\.png$/);
    assert.equal(first!.relation.length, 1);
    // The table shows the thumb of the uploaded image.
    await page.getByRole("img", { name: first!.file }).waitFor();

    // Unsaved edits survive as a draft: another tab offers to restore them.
    await page.getByRole("button", { name: "New record", exact: true }).click();
    await page
      .getByRole("dialog", { name: "New articles record" })
      .getByLabel("title", { exact: true })
      .fill("Draft title");
    await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith("draft_")));
    const second = await page.context().newPage();
    second.on("pageerror", (err) => errors.push(`second tab: ${err.message}`));
    await second.goto(page.url().replace(/&record=[^&]*/, ""));
    await second.getByRole("button", { name: "New record", exact: true }).click();
    await second.getByText("The record has previous unsaved changes.").waitFor();
    await second.getByRole("button", { name: "Restore draft" }).click();
    assert.equal(await second.getByLabel("title", { exact: true }).inputValue(), "Draft title");
    await second.close();
    await page
      .getByRole("dialog", { name: "New articles record" })
      .getByRole("button", { name: "Close", exact: true })
      .click();
    await page.getByRole("dialog", { name: "Confirm" }).getByRole("button", { name: "Yes, discard" }).click();
    await page.getByRole("dialog", { name: "New articles record" }).waitFor({ state: "detached" });

    // Live update: a record created through the API appears without a reload.
    await api.collection("articles").create({ title: "From the API", number: 1 });
    await page.getByRole("cell", { name: "From the API" }).waitFor();
    await page.getByText("Total: 2").waitFor();

    // Sort by title (descending, then ascending).
    const titleHeader = page.getByRole("columnheader", { name: "title" });
    await titleHeader.click();
    await page.locator('th[aria-sort="descending"]', { hasText: "title" }).waitFor();
    await titleHeader.press("Enter");
    await page.locator('th[aria-sort="ascending"]', { hasText: "title" }).waitFor();
    assert.equal(new URL(page.url()).hash.includes("sort=title"), true);
    await screenshot(page, "records");

    // API preview.
    await page.getByRole("button", { name: "API preview" }).click();
    const preview = page.getByRole("dialog", { name: "API preview: articles" });
    await preview.getByRole("tab", { name: "Create" }).click();
    await preview.getByText('pb.collection("articles").create(').waitFor();
    await screenshot(page, "api-preview");
    await preview.getByRole("button", { name: "Close panel" }).click();

    // Edit the collection: the type-to-confirm truncate is offered; delete a field and save.
    await page.getByRole("button", { name: "Collection settings" }).click();
    const edit = page.getByRole("dialog", { name: "Edit articles collection" });
    await edit.getByRole("button", { name: "Collection actions" }).click();
    await edit.getByRole("menuitem", { name: "Truncate" }).waitFor();
    await screenshot(page, "collection-edit");
    await edit.getByRole("button", { name: "Collection actions" }).click();
    await edit.getByRole("button", { name: "Close", exact: true }).click();
    await edit.waitFor({ state: "detached" });

    // Bulk edit (batch API, or one request per record when batches are off).
    await page.getByRole("checkbox", { name: "Select all" }).check();
    await page.getByRole("button", { name: "Edit selected" }).click();
    const bulk = page.getByRole("dialog", { name: "Edit 2 selected records" });
    await bulk.getByLabel("Field").selectOption("number");
    await bulk.getByLabel("number", { exact: true }).fill("99");
    await bulk.getByRole("button", { name: "Apply to selected" }).click();
    await page.getByText("Successfully updated 2 records.").waitFor();
    assert.deepEqual(
      (await api.collection("articles").getFullList()).map((r) => r.number),
      [99, 99],
    );

    // Bulk delete.
    await page.getByRole("checkbox", { name: "Select all" }).check();
    await page.getByText("Selected 2 records").waitFor();
    await screenshot(page, "records-bulk");
    await page.getByRole("button", { name: "Delete selected" }).click();
    await page.getByRole("dialog", { name: "Confirm" }).getByRole("button", { name: "Delete" }).click();
    await page.getByText("Successfully deleted 2 records.").waitFor();
    assert.equal((await api.collection("articles").getList(1, 1)).totalItems, 0);

    assert.deepEqual(errors, [], "no uncaught page errors");
  });

  test("protected files show their thumbs through a file token", async (t) => {
    ensureDashboardBuilt();
    const srv = await startTestServer(t);
    await srv.pb.collections.create({
      name: "private",
      type: "base",
      fields: [
        { name: "title", type: "text" },
        { name: "scan", type: "file", maxSelect: 1, protected: true, thumbs: ["100x100"] },
      ],
    });
    const rec = await srv.pb
      .collection("private")
      .create({ title: "secret", scan: new File([PNG], "scan.png", { type: "image/png" }) });
    const browser = await launchBrowser(t);
    const { page, errors } = await newPage(browser);
    await login(page, srv.url);
    await page.getByRole("link", { name: "private" }).click();
    const img = page.getByRole("img", { name: rec.scan });
    await img.waitFor();
    await page.waitForFunction((name) => {
      const el = document.querySelector<HTMLImageElement>(`img[alt="${name}"]`);
      return !!el && el.complete && el.naturalWidth > 0 && el.src.includes("token=");
    }, rec.scan);
    assert.deepEqual(errors, [], "no uncaught page errors");
  });

  test("settings pages, test email, logs, dark mode, phone width", async (t) => {
    ensureDashboardBuilt();
    const srv = await startTestServer(t);
    const smtp = await startSmtpSink(t);
    const browser = await launchBrowser(t);
    const { page, errors } = await newPage(browser, { colorScheme: "dark" });
    await login(page, srv.url);
    await screenshot(page, "collections-dark");

    // Mail settings: point SMTP at a real server, save, send a test email.
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("link", { name: "Mail settings" }).click();
    await page.getByLabel("Use SMTP mail server").check();
    await page.getByLabel("SMTP server host").fill(smtp.host);
    await page.getByLabel("Port").fill(String(smtp.port));
    await page.getByLabel("Username").fill(SMTP_USER.username);
    await page.getByLabel("Password").fill(SMTP_USER.password);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Successfully saved mail settings.").waitFor();
    const settings = (await srv.pb.settings.getAll()) as {
      smtp: { host: string; port: number; enabled: boolean };
    };
    assert.deepEqual(
      [settings.smtp.enabled, settings.smtp.host, settings.smtp.port],
      [true, smtp.host, smtp.port],
    );
    await screenshot(page, "settings-mail");
    await page.getByRole("button", { name: "Send test email" }).click();
    const modal = page.getByRole("dialog", { name: "Send test email" });
    await modal.getByLabel("To email address").fill("someone@example.com");
    await modal.getByRole("button", { name: "Send" }).click();
    await page.getByText("Successfully sent test email.").waitFor();
    const mail = await smtp.waitFor((m) => m.to.includes("someone@example.com"));
    assert.equal(mail.user, SMTP_USER.username);

    for (const [link, name, heading] of [
      ["Files storage", "settings-storage", "Files storage"],
      ["Crons", "settings-crons", "Crons"],
      ["Export collections", "settings-export", "Export collections"],
      ["Import collections", "settings-import", "Import collections"],
    ] as const) {
      await page.getByRole("link", { name: link }).click();
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      await page.waitForLoadState("networkidle");
      await screenshot(page, name);
    }

    // Crons: the app's jobs are listed and run on demand.
    await page.getByRole("link", { name: "Crons" }).click();
    const jobs = await srv.pb.crons.getFullList();
    assert.ok(jobs.some((j) => j.id === "__pbOTPCleanup__"));
    await page.getByRole("cell", { name: "__pbOTPCleanup__", exact: true }).waitFor();
    await page.getByRole("button", { name: "Run __pbOTPCleanup__" }).click();
    await page.getByText('Successfully triggered "__pbOTPCleanup__".').waitFor();

    // Import: a pasted configuration is reviewed before it is applied.
    await page.getByRole("link", { name: "Import collections" }).click();
    await page
      .getByLabel("Collections", { exact: true })
      .fill(JSON.stringify([{ name: "imported", type: "base", fields: [{ name: "title", type: "text" }] }]));
    await page.getByRole("button", { name: "Review" }).click();
    await page.getByText("Added").waitFor();
    await page.getByRole("button", { name: "Confirm and import" }).click();
    await page.getByText("Successfully imported collections configuration.").waitFor();
    assert.equal(
      (await srv.pb.collections.getOne("imported")).fields.some((f) => f.name === "title"),
      true,
    );

    // SQL console: a read query's rows; a write asks first and reports the affected rows.
    await page.getByRole("link", { name: "SQL console" }).click();
    await page.getByLabel("Query").fill("SELECT id, email FROM _superusers");
    await page.getByRole("button", { name: "Execute" }).click();
    await page.getByRole("cell", { name: SUPERUSER.email }).waitFor();
    await screenshot(page, "settings-sql");
    await page.getByLabel("Query").fill("UPDATE imported SET title = 'x' WHERE 1 = 0");
    await page.getByRole("button", { name: "Execute" }).click();
    await page.getByRole("dialog", { name: "Confirm" }).getByRole("button", { name: "Execute" }).click();
    await page.getByText("Query executed successfully!").waitFor();

    // Logs: requests made so far (a failing one included), the detail panel, the settings.
    await fetch(`${srv.url}/api/collections/nope/records`);
    await page.getByRole("link", { name: "Logs" }).click();
    await page.getByRole("heading", { name: "Logs" }).waitFor();
    await page.getByLabel("Include requests by superusers").check();
    const row = page.getByRole("row", { name: /\/api\/collections\/nope\/records/ }).first();
    // Request logs are written in batches: refresh until the failed request is listed.
    for (const deadline = Date.now() + 60_000; (await row.count()) === 0;) {
      if (Date.now() > deadline) throw new Error("the failed request never appeared in the logs");
      await page.getByRole("button", { name: "Refresh" }).click();
      await page.waitForLoadState("networkidle");
    }
    await screenshot(page, "logs-dark");
    await row.click();
    const details = page.getByRole("dialog", { name: "Log details" });
    await details.getByText("data.status").waitFor();
    await details.getByRole("button", { name: "Close", exact: true }).click();
    await page.getByRole("button", { name: "Logs settings" }).click();
    const logsSettings = page.getByRole("dialog", { name: "Logs settings" });
    await logsSettings.getByLabel("Max days retention").fill("9");
    await logsSettings.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Successfully saved logs settings.").waitFor();
    assert.equal(((await srv.pb.settings.getAll()) as { logs: { maxDays: number } }).logs.maxDays, 9);

    // Phone width.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByRole("link", { name: "Collections" }).click();
    await page.getByRole("link", { name: "users" }).waitFor();
    await screenshot(page, "collections-phone");

    assert.deepEqual(errors, [], "no uncaught page errors");
  });
});
