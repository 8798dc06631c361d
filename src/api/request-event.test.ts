import assert from "node:assert/strict";
import { it } from "node:test";
import type { AuthRecord } from "../core/records/record.ts";
import type { ApiEnv } from "./env.ts";
import { Router } from "./http/router.ts";
import { buildRequestInfo, withAuth } from "./request-event.ts";

it("withAuth: the same request info for another requester, query and headers still parsed on first read", async () => {
  const router = new Router<ApiEnv>();
  const owner = { id: "owner1" } as unknown as AuthRecord;
  router.get("/info", async (c) => {
    c.set("auth", null);
    const info = await buildRequestInfo(c);
    const copy = withAuth(info, owner);
    const parsedBefore = c.get("queryAndHeaders") !== undefined;
    const spread = { ...copy };
    return c.json({
      parsedBefore,
      keys: Object.keys(copy).sort(),
      spreadQuery: spread.query,
      header: copy.headers.x_token,
      auth: copy.auth?.id ?? null,
      originalAuth: info.auth,
      sameBody: copy.body === info.body,
      method: copy.method,
      context: copy.context,
    });
  });
  const res = await router.request("/info?a=1&a=2&b=x", { headers: { "X-Token": "t" } });
  assert.deepEqual(await res.json(), {
    parsedBefore: false,
    keys: ["auth", "body", "context", "headers", "method", "query"],
    spreadQuery: { a: "1", b: "x" },
    header: "t",
    auth: "owner1",
    originalAuth: null,
    sameBody: true,
    method: "GET",
    context: "default",
  });
});
