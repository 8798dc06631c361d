/**
 * The Backups settings page in a real Chromium against a real server: create a backup, download
 * it, restore it (the data comes back, checked through the API), delete it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  browserSkipReason,
  ensureDashboardBuilt,
  launchBrowser,
  newPage,
  screenshot,
} from "./helpers/browser.ts";
import { startTestServer, SUPERUSER } from "./helpers/server.ts";

const skip = browserSkipReason();

describe("dashboard backups", { skip: skip ?? false }, () => {
  test("create, download, restore and delete a backup", async (t) => {
    ensureDashboardBuilt();
    const srv = await startTestServer(t);
    await srv.pb.collections.create({
      name: "notes",
      type: "base",
      fields: [{ name: "text", type: "text" }],
    });
    const note = await srv.pb.collection("notes").create({ text: "keep me" });
    const browser = await launchBrowser(t);
    const { page, errors } = await newPage(browser);
    await page.goto(`${srv.url}/_/#/settings/backups`);
    await page.getByLabel("Email").fill(SUPERUSER.email);
    await page.getByLabel("Password", { exact: true }).fill(SUPERUSER.password);
    await page.getByRole("button", { name: "Login" }).click();
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("link", { name: "Backups" }).click();
    await page.getByText("No backups found.").waitFor();

    // Create.
    await page.getByRole("button", { name: "Initialize new backup" }).click();
    await page.getByLabel("Backup name").fill("before.zip");
    await page.getByRole("button", { name: "Start backup" }).click();
    await page.getByRole("cell", { name: "before.zip", exact: true }).waitFor();
    assert.deepEqual(
      (await srv.pb.backups.getFullList()).map((b) => b.key),
      ["before.zip"],
    );
    await screenshot(page, "settings-backups");

    // Download.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download before.zip" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "before.zip");
    assert.equal(await download.failure(), null);

    // Restore brings back a record deleted after the backup.
    await srv.pb.collection("notes").delete(note.id);
    await page.getByRole("button", { name: "Restore before.zip" }).click();
    const dialog = page.getByRole("dialog", { name: "Restore backup" });
    await dialog.getByLabel(/to confirm/).fill("before.zip");
    await dialog.getByRole("button", { name: "Restore backup" }).click();
    await page.getByText(/Restoring the backup/).waitFor();
    const check = srv.client();
    await check.collection("_superusers").authWithPassword(SUPERUSER.email, SUPERUSER.password);
    let restored = false;
    const deadline = Date.now() + 20_000;
    while (!restored && Date.now() < deadline) {
      restored = await check
        .collection("notes")
        .getOne(note.id)
        .then(() => true)
        .catch(() => false);
      if (!restored) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(restored, "the record deleted after the backup is back");

    // The page reloads by itself after a restore; then delete the backup.
    await page.waitForLoadState("load");
    await page.getByRole("button", { name: "Delete before.zip" }).click();
    await page.getByRole("dialog", { name: "Confirm" }).getByRole("button", { name: "Delete" }).click();
    await page.getByText("No backups found.").waitFor();
    assert.deepEqual(await check.backups.getFullList(), []);
    assert.deepEqual(errors, [], "no uncaught page errors");
  });
});
