/**
 * The remaining superuser routes: `POST /api/collections/meta/dry-run-view` (fields and sample
 * of a SELECT, nothing saved) and `POST /api/settings/apple/generate-client-secret` (an ES256
 * JWT that verifies with the public key).
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, verify } from "node:crypto";
import { before, describe, test } from "node:test";
import { request } from "./helpers/http.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { buildTemplate, startTestServer, suiteCleanup } from "./helpers/server.ts";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();

describe("dry-run-view and the Apple client secret", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup);
  });
  const apple = {
    clientId: "com.example.app",
    teamId: "ABCDEFGHIJ",
    keyId: "KEY1234567",
    privateKey: pem,
    duration: 3600,
  };

  const rows: Scenario[] = [
    {
      name: "dry-run: guest",
      method: "POST",
      url: "/api/collections/meta/dry-run-view",
      body: { query: "select 1" },
      expectedStatus: 401,
    },
    {
      name: "dry-run: user",
      method: "POST",
      url: "/api/collections/meta/dry-run-view",
      auth: "user",
      body: { query: "select 1" },
      expectedStatus: 403,
    },
    {
      name: "dry-run: empty query",
      method: "POST",
      url: "/api/collections/meta/dry-run-view",
      auth: "superuser",
      body: { query: "" },
      expectedStatus: 400,
      expectedContent: ['"query":{"code":"validation_required"'],
    },
    {
      name: "dry-run: no id column",
      method: "POST",
      url: "/api/collections/meta/dry-run-view",
      auth: "superuser",
      body: { query: "select email from users" },
      expectedStatus: 400,
      expectedContent: ['"query":{"code":"validation_invalid_view_query"'],
    },
    {
      name: "dry-run: fields and sample",
      method: "POST",
      url: "/api/collections/meta/dry-run-view",
      auth: "superuser",
      body: { query: "select id, email, verified from users" },
      expectedStatus: 200,
      expectedContent: [
        '"fields":[{',
        '"name":"email"',
        '"type":"email"',
        '"sample":[{',
        '"email":"user@example.com"',
      ],
      after: async (s) => {
        // nothing saved
        assert.equal(s.app.findAllCollections("view").length, 0);
      },
    },
    {
      name: "apple: guest",
      method: "POST",
      url: "/api/settings/apple/generate-client-secret",
      body: apple,
      expectedStatus: 401,
    },
    {
      name: "apple: invalid fields",
      method: "POST",
      url: "/api/settings/apple/generate-client-secret",
      auth: "superuser",
      body: { teamId: "short", keyId: "", duration: 99999999 },
      expectedStatus: 400,
      expectedContent: [
        '"clientId":{"code":"validation_required"',
        '"teamId":{"code":"validation_length_invalid"',
        '"keyId":{"code":"validation_required"',
        '"privateKey":{"code":"validation_required"',
        '"duration":{"code":"validation_max_less_equal_than_required"',
      ],
    },
    {
      name: "apple: a key that is not EC",
      method: "POST",
      url: "/api/settings/apple/generate-client-secret",
      auth: "superuser",
      body: { ...apple, privateKey: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----" },
      expectedStatus: 400,
    },
  ];

  test("scenarios", async (t) => {
    await runScenarios(t, rows, (t) => startTestServer(t, { template }));
  });

  test("the Apple secret is an ES256 JWT with Apple's claims", async (t) => {
    const s = await startTestServer(t, { template });
    const res = await request(s.url, "POST", "/api/settings/apple/generate-client-secret", {
      token: s.token,
      body: apple,
    });
    assert.equal(res.status, 200, res.text);
    const [h, p, sig] = (res.json.secret as string).split(".");
    const header = JSON.parse(Buffer.from(h!, "base64url").toString()) as { [k: string]: unknown };
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString()) as { [k: string]: number | string };
    assert.equal(header.alg, "ES256");
    assert.equal(header.kid, "KEY1234567");
    assert.equal(claims.iss, "ABCDEFGHIJ");
    assert.equal(claims.sub, "com.example.app");
    assert.equal(claims.aud, "https://appleid.apple.com");
    assert.equal(Number(claims.exp) - Number(claims.iat), 3600);
    const ok = verify(
      "sha256",
      Buffer.from(`${h}.${p}`),
      { key: publicKey, dsaEncoding: "ieee-p1363" },
      Buffer.from(sig!, "base64url"),
    );
    assert.ok(ok);
  });
});
