/**
 * The form classes' `submit()` in pb_hooks scripts: `RecordUpsertForm` (the API's body rules:
 * auth password keys, manager-only fields, access levels, a `txApp` form inside a transaction),
 * `TestEmailSendForm` (delivered to a real SMTP sink) and `TestS3FilesystemForm`.
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { buildTemplate, suiteCleanup } from "./helpers/server.ts";
import { seedPosts, startHooksServer, type HooksServer } from "./helpers/hooks.ts";
import { startSmtpSink, type SmtpSink } from "./helpers/smtp.ts";

const SCRIPTS = {
  "forms.pb.js": `
routerAdd("POST", "/forms/upsert", (e) => {
  const out = {}
  const errText = (err) => JSON.stringify(err.value && err.value.errors ? err.value.errors : (err.data || err.message))
  const users = $app.findCollectionByNameOrId("users")
  const record = new Record(users)
  const form = new RecordUpsertForm($app, record)
  form.load({ email: "form@example.com", password: "1234567890", passwordConfirm: "1234567890" })
  form.submit()
  out.created = record.id.length === 15 && !record.isNew()
  out.passwordOk = $app.findRecordById("users", record.id).validatePassword("1234567890")

  const f2 = new RecordUpsertForm($app, new Record(users))
  f2.load({ email: "other@example.com", password: "1234567890", passwordConfirm: "nope" })
  try { f2.submit(); out.mismatch = "saved" } catch (err) { out.mismatch = err.message }

  const existing = $app.findRecordById("users", record.id)
  const f3 = new RecordUpsertForm($app, existing)
  f3.load({ verified: true })
  try { f3.submit(); out.verifiedDenied = "saved" } catch (err) { out.verifiedDenied = err.message }
  f3.grantManagerAccess()
  f3.submit()
  out.verified = $app.findRecordById("users", record.id).getBool("verified")

  const f4 = new RecordUpsertForm($app, $app.findRecordById("users", record.id))
  f4.load({ password: "abcdefghij", passwordConfirm: "abcdefghij" })
  try { f4.submit(); out.oldPassword = "saved" } catch (err) { out.oldPassword = err.message }
  f4.load({ oldPassword: "1234567890" })
  f4.submit()
  out.changed = $app.findRecordById("users", record.id).validatePassword("abcdefghij")

  try {
    $app.runInTransaction((txApp) => {
      const f = new RecordUpsertForm(txApp, new Record(txApp.findCollectionByNameOrId("posts")))
      f.load({ title: "in tx", "views+": 2 })
      f.submit()
      out.inTx = txApp.countRecords("posts", $dbx.hashExp({ title: "in tx" }))
      throw new Error("roll back")
    })
  } catch (_) {}
  out.afterRollback = $app.countRecords("posts", $dbx.hashExp({ title: "in tx" }))
  const post = new Record($app.findCollectionByNameOrId("posts"))
  const f5 = new RecordUpsertForm($app, post)
  f5.load({ title: "by form", "views+": 3, expand: { x: 1 } })
  f5.submit()
  out.post = { title: post.getString("title"), views: post.getInt("views") }
  return e.json(200, out)
})

routerAdd("POST", "/forms/email", (e) => {
  const body = e.requestInfo().body
  const form = new TestEmailSendForm($app)
  form.email = body.email
  form.template = body.template
  form.collection = body.collection || ""
  try { form.submit() } catch (err) { return e.json(400, { error: err.message }) }
  return e.json(200, { sent: true })
})

routerAdd("POST", "/forms/s3", (e) => {
  const form = new TestS3FilesystemForm($app)
  form.filesystem = "storage"
  try { form.submit() } catch (err) { return e.json(400, { error: err.message }) }
  return e.json(200, { ok: true })
})
`,
};

describe("pb_hooks: form submits", () => {
  const cleanup = suiteCleanup();
  let s: HooksServer;
  let smtp: SmtpSink;
  before(async () => {
    const template = await buildTemplate(cleanup, seedPosts);
    s = await startHooksServer(cleanup, SCRIPTS, { template });
    smtp = await startSmtpSink(cleanup);
    await smtp.configure(s.app);
  });

  const post = (path: string, body: unknown = {}) =>
    fetch(`${s.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  test("RecordUpsertForm: create, auth checks, access levels, txApp", async () => {
    const res = await post("/forms/upsert");
    assert.equal(res.status, 200, s.logs.join("\n"));
    const out = (await res.json()) as { [k: string]: unknown };
    assert.equal(out.created, true);
    assert.equal(out.passwordOk, true);
    assert.match(String(out.mismatch), /passwordConfirm/);
    assert.match(String(out.verifiedDenied), /verified/);
    assert.equal(out.verified, true);
    assert.match(String(out.oldPassword), /oldPassword/);
    assert.equal(out.changed, true);
    assert.equal(out.inTx, 1);
    assert.equal(out.afterRollback, 0);
    assert.deepEqual(out.post, { title: "by form", views: 3 });
  });

  test("TestEmailSendForm sends the template through the mailer", async () => {
    const res = await post("/forms/email", { email: "probe@example.com", template: "verification" });
    assert.equal(res.status, 200, s.logs.join("\n"));
    const mail = await smtp.waitFor((m) => m.to.includes("probe@example.com"));
    assert.match(mail.subject, /Verify/);
    const bad = await post("/forms/email", { email: "probe@example.com", template: "nope" });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /template/);
  });

  test("TestS3FilesystemForm reports S3 that is not enabled", async () => {
    const res = await post("/forms/s3");
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /not enabled/);
  });
});
