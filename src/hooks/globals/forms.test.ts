import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, verify } from "node:crypto";
import type { RecordWire } from "../wire.ts";
import { Collection } from "./collection.ts";
import { ValidationErrorsError } from "./errors.ts";
import {
  AppleClientSecretCreateForm,
  RecordUpsertForm,
  TestEmailSendForm,
  TestS3FilesystemForm,
  setFormBridge,
} from "./forms.ts";
import { Record } from "./record.ts";

test("AppleClientSecretCreateForm signs an ES256 JWT Apple accepts", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const form = new AppleClientSecretCreateForm(null);
  assert.throws(() => form.submit(), ValidationErrorsError);
  Object.assign(form, {
    clientId: "com.example.app",
    teamId: "TEAM123",
    keyId: "KEY123",
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    duration: 3600,
  });
  const jwt = form.submit();
  const [h = "", p = "", s = ""] = jwt.split(".");
  assert.deepEqual(JSON.parse(Buffer.from(h, "base64url").toString()), {
    alg: "ES256",
    kid: "KEY123",
    typ: "JWT",
  });
  const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as { [k: string]: unknown };
  assert.equal(claims.iss, "TEAM123");
  assert.equal(claims.sub, "com.example.app");
  assert.equal(claims.aud, "https://appleid.apple.com");
  assert.equal((claims.exp as number) - (claims.iat as number), 3600);
  const ok = verify(
    "sha256",
    Buffer.from(`${h}.${p}`),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    Buffer.from(s, "base64url"),
  );
  assert.ok(ok);
  form.privateKey = "not a key";
  assert.throws(() => form.submit(), /invalid private key/);
});

test("the app forms submit through the main thread (op form.submit)", () => {
  const calls: unknown[][] = [];
  setFormBridge({
    call(op, args) {
      calls.push([op, ...args]);
      if (args[0] !== "recordUpsert") return null;
      const state = args[1] as { record: RecordWire; data: { [k: string]: unknown } };
      return {
        ...state.record,
        id: "saved1",
        isNew: false,
        data: { ...state.record.data, id: "saved1", title: state.data.title },
        original: { ...state.record.data, id: "saved1" },
      };
    },
  });
  try {
    const posts = new Collection({
      name: "posts",
      fields: [
        { name: "id", type: "text", primaryKey: true },
        { name: "title", type: "text" },
      ],
    });
    const record = new Record(posts);
    const form = new RecordUpsertForm(null, record);
    form.grantSuperuserAccess();
    assert.ok(form.hasManageAccess());
    form.load({ title: "hello" });
    form.submit();
    assert.equal(record.id, "saved1", "the script's record object sees the saved state");
    assert.equal(record.getString("title"), "hello");
    assert.ok(!record.isNew());
    assert.equal((calls[0]?.[2] as { access: string }).access, "superuser");
    assert.throws(() => form.drySubmit(), /not supported in Satchel/);

    const email = new TestEmailSendForm(null);
    assert.throws(() => email.submit(), ValidationErrorsError);
    Object.assign(email, { email: "a@b.c", template: "verification" });
    email.submit();
    assert.deepEqual(calls[1], [
      "form.submit",
      "testEmailSend",
      { email: "a@b.c", template: "verification", collection: "", appId: "main" },
    ]);

    const s3 = new TestS3FilesystemForm(null);
    assert.throws(() => s3.validate(), ValidationErrorsError);
    s3.filesystem = "storage";
    s3.submit();
    assert.deepEqual(calls[2], ["form.submit", "testS3Filesystem", { filesystem: "storage" }]);
  } finally {
    setFormBridge(null);
  }
});
