import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { request } from "./helpers/http.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";

const NOT_FOUND = '{"data":{},"message":"The requested resource wasn\'t found.","status":404}\n';

describe("the request pipeline", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  before(async () => {
    s = await startTestServer(cleanup, { template: await buildTemplate(cleanup) });
  });

  test("request lines and headers up to Go's 1 MB are read, larger ones get 431", async () => {
    const longQuery = await request(s.url, "GET", `/api/health?x=${"a".repeat(100_000)}`);
    assert.equal(longQuery.status, 200);
    const bigHeader = await request(s.url, "GET", "/api/health", {
      headers: { "x-big": "b".repeat(100_000) },
    });
    assert.equal(bigHeader.status, 200);
    const tooBig = await request(s.url, "GET", `/api/health?x=${"a".repeat(1_100_000)}`).catch(() => null);
    assert.ok(tooBig === null || tooBig.status === 431, `got ${tooBig?.status}`);
  });

  test("health answers guests with an empty data object", async () => {
    const res = await request(s.url, "GET", "/api/health");
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"message":"API is healthy.","code":200,"data":{}}\n');
    assert.equal(res.headers.get("content-type"), "application/json");
  });

  test("health answers superusers with backup and proxy diagnostics", async () => {
    const res = await request(s.url, "GET", "/api/health", { token: s.token });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json.data), ["canBackup", "possibleProxyHeader", "realIP"]);
    assert.equal(res.json.data.canBackup, true);
    assert.equal(res.json.data.realIP, "127.0.0.1");
    assert.equal(res.json.data.possibleProxyHeader, "");
    const proxied = await request(s.url, "GET", "/api/health", {
      token: s.token,
      headers: { "CF-Connecting-IP": "1.2.3.4" },
    });
    assert.equal(proxied.json.data.possibleProxyHeader, "CF-Connecting-IP");
    assert.equal(proxied.json.data.realIP, "127.0.0.1", "untrusted proxy headers don't change the IP");
  });

  test("health answers a regular user like a guest", async () => {
    const res = await request(s.url, "GET", "/api/health", { token: s.userToken });
    assert.equal(res.text, '{"message":"API is healthy.","code":200,"data":{}}\n');
  });

  test("the SDK's health.check works", async () => {
    assert.deepEqual(await s.client().health.check(), { message: "API is healthy.", code: 200, data: {} });
  });

  test("HEAD is served by GET routes without a body", async () => {
    const res = await fetch(`${s.url}/api/health`, { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "");
    const missing = await fetch(`${s.url}/api/nope`, { method: "HEAD" });
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), "");
  });

  const unknownRoutes: [string, string][] = [
    ["GET", "/api/nope"],
    ["GET", "/"],
    ["POST", "/api/health"],
    ["PUT", "/api/collections"],
    ["GET", "/api/health/"],
    ["DELETE", "/api/settings"],
    ["GET", "/api/collections/users/records/../../../etc/passwd"],
  ];
  for (const [method, path] of unknownRoutes) {
    test(`${method} ${path} is PocketBase's 404 JSON`, async () => {
      const res = await request(s.url, method, path, { token: s.token });
      assert.equal(res.status, 404);
      assert.equal(res.text, NOT_FOUND);
      assert.equal(res.headers.get("content-type"), "application/json");
    });
  }

  test("every response carries the security headers, errors included", async () => {
    for (const path of ["/api/health", "/api/nope", "/api/collections"]) {
      const res = await request(s.url, "GET", path);
      assert.equal(res.headers.get("x-xss-protection"), "1; mode=block", path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("x-frame-options"), "SAMEORIGIN", path);
    }
  });

  test("errors have PocketBase's body: data, message, status and a newline", async () => {
    const res = await request(s.url, "GET", "/api/settings");
    assert.equal(res.status, 401);
    assert.match(res.text, /^\{"data":\{\},"message":"[^"]+\.","status":401\}\n$/);
  });

  test("JSON output escapes HTML characters like Go", async () => {
    const created = await request(s.url, "POST", "/api/collections", {
      token: s.token,
      body: { name: "html_escape", listRule: "id != '<a>&'" },
    });
    assert.equal(created.status, 200, created.text);
    assert.ok(created.text.includes(String.raw`"listRule":"id != '\u003ca\u003e\u0026'"`), created.text);
    assert.equal(created.json.listRule, "id != '<a>&'");
  });
});

describe("request bodies", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  before(async () => {
    s = await startTestServer(cleanup, { template: await buildTemplate(cleanup) });
  });

  const post = (body: string | Uint8Array, headers: Record<string, string>) =>
    request(s.url, "POST", "/api/collections", { token: s.token, body, headers });

  test("malformed JSON is a 400 with empty data", async () => {
    for (const body of ["{", '{"name": }', "{'name': 'x'}", '{"name":"x"} trailing', "\u0000"]) {
      const res = await post(body, { "content-type": "application/json" });
      assert.equal(res.status, 400, body);
      assert.equal(res.json.data && Object.keys(res.json.data).length, 0, body);
    }
  });

  test("a JSON body that is not an object is a 400", async () => {
    for (const body of ["[1,2]", '"name"', "42", "true"]) {
      const res = await post(body, { "content-type": "application/json" });
      assert.equal(res.status, 400, body);
    }
  });

  test("an unsupported content type is a 400", async () => {
    const res = await post("name=x", { "content-type": "text/plain" });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json.data, {});
  });

  test("an urlencoded form body is bound like JSON", async () => {
    const res = await post("name=from_form&listRule=", {
      "content-type": "application/x-www-form-urlencoded",
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.name, "from_form");
    assert.equal(res.json.listRule, "");
  });

  test("a multipart body with @jsonPayload is bound", async () => {
    const form = new FormData();
    form.set(
      "@jsonPayload",
      JSON.stringify({ name: "from_multipart", fields: [{ name: "a", type: "text" }] }),
    );
    const res = await fetch(`${s.url}/api/collections`, {
      method: "POST",
      headers: { authorization: s.token },
      body: form,
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { name: string; fields: unknown[] };
    assert.equal(body.name, "from_multipart");
    assert.equal(body.fields.length, 2);
  });

  test("an empty body with a JSON content type is an empty object", async () => {
    const res = await post("", { "content-type": "application/json" });
    assert.equal(res.status, 400);
    assert.equal(res.json.data.name.code, "validation_required");
  });

  test("a body over 32 MiB with a Content-Length is a 413", async () => {
    const big = new Uint8Array((32 << 20) + 1).fill(0x20);
    const res = await post(big, { "content-type": "application/json" });
    assert.equal(res.status, 413);
    assert.equal(res.text, '{"data":{},"message":"Request entity too large.","status":413}\n');
  });

  test("a chunked body over 32 MiB is refused with a 4xx while it streams", async () => {
    const chunk = new Uint8Array(1 << 20).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 40) controller.close();
        else {
          sent++;
          controller.enqueue(chunk);
        }
      },
    });
    let status = 0;
    try {
      const res = await fetch(`${s.url}/api/collections`, {
        method: "POST",
        headers: { authorization: s.token, "content-type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit);
      status = res.status;
      await res.text();
    } catch {
      status = 413; // the server may close the connection before the upload ends
    }
    assert.ok(status >= 400 && status < 500, `status ${status}`);
  });

  test("a body just under the limit is read", async () => {
    const body = JSON.stringify({ name: "padded", pad: "x".repeat(1 << 20) });
    const res = await post(body, { "content-type": "application/json" });
    assert.equal(res.status, 200, res.text.slice(0, 200));
  });
});

describe("CORS", () => {
  const cleanup = suiteCleanup();
  let all: TestServer;
  let some: TestServer;
  before(async () => {
    const template = await buildTemplate(cleanup);
    all = await startTestServer(cleanup, { template });
    some = await startTestServer(cleanup, {
      template,
      origins: ["https://app.example.com", "https://*.trusted.dev", "http://localhost:?000"],
    });
  });

  test("a preflight is answered 204 with the allowed methods and the requested headers", async () => {
    const res = await fetch(`${all.url}/api/collections`, {
      method: "OPTIONS",
      headers: {
        origin: "https://anywhere.example",
        "access-control-request-method": "PATCH",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    assert.equal(res.status, 204);
    assert.equal(await res.text(), "");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("access-control-allow-methods"), "GET,HEAD,PUT,PATCH,POST,DELETE");
    assert.equal(res.headers.get("access-control-allow-headers"), "authorization,content-type");
    assert.equal(
      res.headers.get("vary"),
      "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    );
    assert.equal(res.headers.get("access-control-allow-credentials"), null);
    assert.equal(res.headers.get("access-control-max-age"), null);
  });

  test("any OPTIONS request is a preflight, even without an Origin", async () => {
    const res = await fetch(`${all.url}/api/anything`, { method: "OPTIONS" });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("vary"), "Origin");
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });

  test("simple requests get Vary: Origin and the wildcard origin, errors too", async () => {
    for (const path of ["/api/health", "/api/nope", "/api/settings"]) {
      const res = await fetch(`${all.url}${path}`, { headers: { origin: "https://x.example" } });
      assert.equal(res.headers.get("access-control-allow-origin"), "*", path);
      assert.match(res.headers.get("vary") ?? "", /Origin/, path);
    }
    const noOrigin = await fetch(`${all.url}/api/health`);
    assert.equal(noOrigin.headers.get("vary"), "Origin");
    assert.equal(noOrigin.headers.get("access-control-allow-origin"), null);
  });

  const cases: [string, string | null][] = [
    ["https://app.example.com", "https://app.example.com"],
    ["https://a.trusted.dev", "https://a.trusted.dev"],
    ["https://deep.sub.trusted.dev", "https://deep.sub.trusted.dev"],
    ["http://localhost:3000", "http://localhost:3000"],
    ["https://trusted.dev", null],
    ["https://app.example.com.evil.io", null],
    ["http://app.example.com", null],
    ["https://evil.io", null],
    ["null", null],
  ];
  for (const [origin, expected] of cases) {
    test(`with --origins, ${origin} is ${expected ? "allowed" : "not allowed"}`, async () => {
      const simple = await fetch(`${some.url}/api/health`, { headers: { origin } });
      assert.equal(simple.status, 200);
      assert.equal(simple.headers.get("access-control-allow-origin"), expected);
      assert.equal(simple.headers.get("vary"), "Origin");
      const preflight = await fetch(`${some.url}/api/health`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "GET" },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get("access-control-allow-origin"), expected);
      assert.equal(
        preflight.headers.get("access-control-allow-methods"),
        expected ? "GET,HEAD,PUT,PATCH,POST,DELETE" : null,
      );
    });
  }
});
