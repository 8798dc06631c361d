import assert from "node:assert/strict";
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { OAuth2Tokens } from "arctic";
import { exchangeCode, fetchAuthUser, resolveConfig } from "../src/auth/oauth2/exchange.ts";
import { verifyIdToken } from "../src/auth/oauth2/id-token.ts";
import { findProvider } from "../src/auth/oauth2/registry.ts";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const otherRsa = generateKeyPairSync("rsa", { modulusLength: 2048 });

function jwk(key: KeyObject, kid: string, alg: string) {
  return { ...key.export({ format: "jwk" }), kid, alg, use: "sig" };
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Signs a JWT with node:crypto (RS256 or ES256). */
function signJwt(claims: Record<string, unknown>, key: KeyObject, header: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const signature =
    header.alg === "ES256"
      ? sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" })
      : sign("sha256", Buffer.from(input), key);
  return `${input}.${signature.toString("base64url")}`;
}

const now = () => Math.floor(Date.now() / 1000);

/** A small provider API on loopback that records what it was sent. */
let base = "";
const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => (body += chunk.toString()));
  req.on("end", () => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    switch (req.url ?? "") {
      case "/jwks":
        return json(200, {
          keys: [jwk(rsa.publicKey, "rsa-1", "RS256"), jwk(ec.publicKey, "ec-1", "ES256")],
        });
      case "/gh/user":
        return json(200, { id: 42, login: "octo", name: "Octo", email: null });
      case "/gh/user/emails":
        return json(200, [
          { email: "unverified@example.com", verified: false, primary: true },
          { email: "other@example.com", verified: true, primary: false },
          { email: "octo@example.com", verified: true, primary: true },
        ]);
      case "/bb/user":
        return json(200, { uuid: "{u}", username: "bb", account_status: "active" });
      case "/bb/user/emails":
        return json(200, {
          values: [{ email: "claimed@example.com", is_primary: true, is_confirmed: false }],
        });
      case "/graphql":
        return json(200, { data: { viewer: { id: "lin", name: "Lin", active: true } } });
      case "/notion":
        return json(200, { bot: { owner: { user: { id: "n1", name: "No" } } } });
      case "/twitch":
        return json(200, { data: [{ id: "tw", login: "tw" }] });
      case "/huge":
        return json(200, { pad: "x".repeat(3 << 20) });
      case "/token-200-error":
        return json(200, { error: "bad_verification_code" });
      case "/token-post-only":
        if (req.headers.authorization) return json(401, { error: "invalid_client" });
        return json(200, { access_token: "post-token", token_type: "bearer", expires_in: 60 });
      default:
        return json(404, { error: "not found" });
    }
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const signal = () => AbortSignal.timeout(5000);
const tokens = (data: Record<string, unknown> = {}) =>
  new OAuth2Tokens({ access_token: "at-1", token_type: "Bearer", ...data });

describe("id_token validation", () => {
  const claims = () => ({
    iss: "https://issuer.example",
    aud: "client-1",
    sub: "u1",
    iat: now(),
    exp: now() + 600,
  });

  test("an RS256 or ES256 token signed by a JWKS key passes and yields its claims", async () => {
    const rs = signJwt(claims(), rsa.privateKey, { alg: "RS256", kid: "rsa-1" });
    assert.equal(
      (await verifyIdToken(rs, { audience: "client-1", jwksURL: `${base}/jwks`, signal: signal() })).sub,
      "u1",
    );
    const es = signJwt(claims(), ec.privateKey, { alg: "ES256", kid: "ec-1" });
    assert.equal(
      (await verifyIdToken(es, { audience: "client-1", jwksURL: `${base}/jwks`, signal: signal() })).sub,
      "u1",
    );
  });

  test("forged, mis-addressed, expired and unsigned tokens are refused", async () => {
    const checks = { audience: "client-1", jwksURL: `${base}/jwks`, signal: signal() };
    const good = signJwt(claims(), rsa.privateKey, { alg: "RS256", kid: "rsa-1" });
    const [h, , s] = good.split(".");
    const refused = [
      `${h}.${b64({ ...claims(), sub: "admin" })}.${s}`, // payload swapped
      signJwt(claims(), otherRsa.privateKey, { alg: "RS256", kid: "rsa-1" }), // another key
      signJwt(claims(), rsa.privateKey, { alg: "RS256", kid: "unknown" }),
      signJwt(claims(), rsa.privateKey, { alg: "RS256" }), // no kid
      signJwt(claims(), rsa.privateKey, { alg: "RS384", kid: "rsa-1" }), // alg differs from the key's
      signJwt({ ...claims(), aud: "someone-else" }, rsa.privateKey, { alg: "RS256", kid: "rsa-1" }),
      signJwt({ ...claims(), exp: now() - 3600 }, rsa.privateKey, { alg: "RS256", kid: "rsa-1" }),
      signJwt({ ...claims(), iat: now() + 3600 }, rsa.privateKey, { alg: "RS256", kid: "rsa-1" }),
      `${b64({ alg: "none" })}.${b64(claims())}.`,
      "not.a.jwt",
      "",
    ];
    for (const token of refused) {
      await assert.rejects(verifyIdToken(token, checks), Error, token.slice(0, 60));
    }
    // Even without a JWKS URL (token received over TLS), an unsigned token is refused.
    await assert.rejects(
      verifyIdToken(`${b64({ alg: "none" })}.${b64(claims())}.`, { audience: "client-1", signal: signal() }),
    );
  });

  test("audience lists, the time leeway and the issuer list", async () => {
    const token = signJwt({ ...claims(), aud: ["x", "client-1"], exp: now() - 60 }, rsa.privateKey, {
      alg: "RS256",
      kid: "rsa-1",
    });
    const ok = await verifyIdToken(token, {
      audience: "client-1",
      issuers: ["https://issuer.example"],
      signal: signal(),
    });
    assert.equal(ok.sub, "u1", "expired a minute ago is within the 5 minute leeway");
    await assert.rejects(
      verifyIdToken(token, { audience: "client-1", issuers: ["https://other.example"], signal: signal() }),
    );
    const noExp = signJwt({ ...claims(), exp: undefined }, rsa.privateKey, { alg: "RS256", kid: "rsa-1" });
    await assert.rejects(verifyIdToken(noExp, { audience: "client-1", requireExp: true, signal: signal() }));
  });

  test("Apple: the user comes from the verified id_token, plus the one-time user blob", async () => {
    const apple = findProvider("apple")!;
    const config = resolveConfig(apple, { clientId: "com.example.app", extra: { jwksURL: `${base}/jwks` } });
    const idToken = signJwt(
      {
        iss: "https://appleid.apple.com",
        aud: "com.example.app",
        sub: "apl",
        email: "a@example.com",
        email_verified: "true",
        iat: now(),
        exp: now() + 60,
      },
      rsa.privateKey,
      { alg: "RS256", kid: "rsa-1" },
    );
    const blob = JSON.stringify({ name: { firstName: "Ada", lastName: "L" } });
    const user = await fetchAuthUser(apple, config, tokens({ id_token: idToken, user: blob }), signal());
    assert.equal(user.id, "apl");
    assert.equal(user.email, "a@example.com");
    assert.equal(user.name, "Ada L");
    const wrongIssuer = signJwt(
      { iss: "https://evil.example", aud: "com.example.app", sub: "apl", iat: now(), exp: now() + 60 },
      rsa.privateKey,
      { alg: "RS256", kid: "rsa-1" },
    );
    await assert.rejects(fetchAuthUser(apple, config, tokens({ id_token: wrongIssuer }), signal()));
  });

  test("OIDC without a userinfo endpoint reads the id_token, checking it against jwksURL and issuers", async () => {
    const oidc = findProvider("oidc")!;
    const config = resolveConfig(oidc, {
      clientId: "client-1",
      extra: { jwksURL: `${base}/jwks`, issuers: ["https://issuer.example"] },
    });
    const idToken = signJwt({ ...claims(), email: "o@example.com", email_verified: true }, rsa.privateKey, {
      alg: "RS256",
      kid: "rsa-1",
    });
    const user = await fetchAuthUser(oidc, config, tokens({ id_token: idToken, expires_in: 60 }), signal());
    assert.deepEqual(
      { id: user.id, email: user.email, accessToken: user.accessToken },
      { id: "u1", email: "o@example.com", accessToken: "at-1" },
    );
    assert.match(user.expiry, /Z$/);
    const forged = signJwt(
      { ...claims(), email: "o@example.com", email_verified: true },
      otherRsa.privateKey,
      {
        alg: "RS256",
        kid: "rsa-1",
      },
    );
    await assert.rejects(fetchAuthUser(oidc, config, tokens({ id_token: forged }), signal()));
  });
});

describe("provider user requests", () => {
  test("GitHub falls back to the verified primary address of /user/emails", async () => {
    const gh = findProvider("github")!;
    const user = await fetchAuthUser(
      gh,
      resolveConfig(gh, { userInfoURL: `${base}/gh/user` }),
      tokens(),
      signal(),
    );
    assert.equal(user.email, "octo@example.com");
    assert.equal(user.id, "42");
    const request = seen.find((r) => r.url === "/gh/user/emails")!;
    assert.equal(request.headers.authorization, "Bearer at-1");
  });

  test("Bitbucket ignores a primary address that is not confirmed", async () => {
    const bb = findProvider("bitbucket")!;
    const user = await fetchAuthUser(
      bb,
      resolveConfig(bb, { userInfoURL: `${base}/bb/user` }),
      tokens(),
      signal(),
    );
    assert.equal(user.email, "");
  });

  test("GraphQL and header-bound APIs get their query and headers", async () => {
    const linear = findProvider("linear")!;
    await fetchAuthUser(
      linear,
      resolveConfig(linear, { userInfoURL: `${base}/graphql` }),
      tokens(),
      signal(),
    );
    const gql = seen.findLast((r) => r.url === "/graphql")!;
    assert.equal(gql.method, "POST");
    assert.match(JSON.parse(gql.body).query, /viewer/);

    const notion = findProvider("notion")!;
    await fetchAuthUser(notion, resolveConfig(notion, { userInfoURL: `${base}/notion` }), tokens(), signal());
    assert.equal(seen.findLast((r) => r.url === "/notion")!.headers["notion-version"], "2022-06-28");

    const twitch = findProvider("twitch")!;
    await fetchAuthUser(
      twitch,
      resolveConfig(twitch, { clientId: "tw-client", userInfoURL: `${base}/twitch` }),
      tokens(),
      signal(),
    );
    assert.equal(seen.findLast((r) => r.url === "/twitch")!.headers["client-id"], "tw-client");
  });

  test("VK's email comes with the token; a failing user endpoint fails the login", async () => {
    const vkUser = findProvider("vk")!.mapUser({
      raw: { response: [{ id: 1 }] },
      extra: { email: "v@example.com" },
    });
    assert.equal(vkUser.email, "v@example.com");
    const ig = findProvider("instagram2")!;
    // A user endpoint that answers a 404 fails the login rather than yielding an empty user.
    await assert.rejects(
      fetchAuthUser(ig, resolveConfig(ig, { userInfoURL: `${base}/missing` }), tokens(), signal()),
    );
  });

  test("oversized responses and token responses without an access token are failures", async () => {
    const google = findProvider("google")!;
    await assert.rejects(
      fetchAuthUser(google, resolveConfig(google, { userInfoURL: `${base}/huge` }), tokens(), signal()),
    );
    const config = resolveConfig(google, {
      clientId: "c",
      clientSecret: "s",
      tokenURL: `${base}/token-200-error`,
    });
    await assert.rejects(
      exchangeCode(config, { code: "x", codeVerifier: "v", redirectURL: "http://r", signal: signal() }),
    );
  });

  test("client credentials go in the body when the token endpoint refuses Basic auth", async () => {
    const config = resolveConfig(findProvider("google")!, {
      clientId: "c",
      clientSecret: "s",
      tokenURL: `${base}/token-post-only`,
    });
    const got = await exchangeCode(config, {
      code: "x",
      codeVerifier: "v",
      redirectURL: "http://r",
      signal: signal(),
    });
    assert.equal(got.accessToken(), "post-token");
    const form = new URLSearchParams(seen.findLast((r) => r.url === "/token-post-only")!.body);
    assert.equal(form.get("client_secret"), "s");
    assert.equal(form.get("code_verifier"), "v");
    assert.equal(form.get("redirect_uri"), "http://r");
  });

  test("the exchange gives up when its time budget runs out", async () => {
    const slow = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/token`;
    const config = resolveConfig(findProvider("google")!, {
      clientId: "c",
      clientSecret: "s",
      tokenURL: url,
    });
    const started = Date.now();
    await assert.rejects(
      exchangeCode(config, {
        code: "x",
        codeVerifier: "v",
        redirectURL: "http://r",
        signal: AbortSignal.timeout(200),
      }),
    );
    assert.ok(Date.now() - started < 2000);
    slow.closeAllConnections();
    await new Promise<void>((resolve) => slow.close(() => resolve()));
  });
});
