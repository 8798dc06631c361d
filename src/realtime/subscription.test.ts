import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationErrors } from "../tools/validation.ts";
import {
  bindSubscribeForm,
  castToString,
  formatFloat,
  parseSubscription,
  snakecase,
  SubscribeFormBindError,
  validateSubscribeForm,
} from "./subscription.ts";

const withOptions = (topic: string, options: unknown) =>
  `${topic}?options=${encodeURIComponent(JSON.stringify(options))}`;

describe("parseSubscription", () => {
  it("splits record topics", () => {
    assert.deepEqual(parseSubscription("posts/*"), {
      subscription: "posts/*",
      topic: "posts/*",
      collection: "posts",
      recordId: "*",
      options: { query: {}, headers: {} },
    });
    const one = parseSubscription("posts/abc123");
    assert.equal(one.collection, "posts");
    assert.equal(one.recordId, "abc123");
    const legacy = parseSubscription("posts");
    assert.equal(legacy.collection, "posts");
    assert.equal(legacy.recordId, "*");
    assert.equal(parseSubscription("@oauth2").topic, "@oauth2");
  });

  it("decodes the options as the SDK encodes them", () => {
    const sub = withOptions("posts/*", {
      query: {
        filter: "title = 'a & b'",
        expand: "author",
        page: 2,
        big: 1e21,
        tiny: 1e-7,
        yes: true,
        obj: {},
      },
      headers: { "X-Token": "abc", myTestDB: 1, some_header: null },
    });
    const parsed = parseSubscription(sub);
    assert.equal(parsed.subscription, sub);
    assert.equal(parsed.topic, "posts/*");
    assert.deepEqual(parsed.options.query, {
      filter: "title = 'a & b'",
      expand: "author",
      page: "2",
      big: "1000000000000000000000",
      tiny: "0.0000001",
      yes: "true",
      obj: "",
    });
    assert.deepEqual(parsed.options.headers, { x_token: "abc", my_test_db: "1", some_header: "" });
  });

  it("appends options after an existing query (the SDK uses &)", () => {
    const parsed = parseSubscription(`custom?a=1&options=${encodeURIComponent('{"query":{"x":"y"}}')}`);
    assert.equal(parsed.topic, "custom");
    assert.deepEqual(parsed.options.query, { x: "y" });
  });

  it("matches option keys case-insensitively and ignores bad options", () => {
    assert.deepEqual(parseSubscription(withOptions("a", { QUERY: { x: "1" } })).options.query, { x: "1" });
    for (const bad of [
      "a?options=%7Bnot-json",
      "a?options=%zz",
      "a?options=[1]",
      'a?options={"query":"x"}',
      "a\n?options=%7B%7D",
    ]) {
      assert.deepEqual(parseSubscription(bad).options, { query: {}, headers: {} }, bad);
    }
    // `+` is a space in a query string.
    assert.deepEqual(parseSubscription('a?options={"query":{"f":"a+b"}}').options.query, { f: "a b" });
  });
});

describe("helpers", () => {
  it("snakecase follows PocketBase's inflector", () => {
    assert.equal(snakecase("X-Token"), "x_token");
    assert.equal(snakecase("myTestDB"), "my_test_db");
    assert.equal(snakecase("  Content--Type "), "content_type");
    assert.equal(snakecase("already_snake"), "already_snake");
  });

  it("castToString / formatFloat use Go's formatting", () => {
    assert.equal(castToString(1.5), "1.5");
    assert.equal(castToString(null), "");
    assert.equal(castToString([1]), "");
    assert.equal(formatFloat(-1.25e-8), "-0.0000000125");
    assert.equal(formatFloat(1.5e22), "15000000000000000000000");
    assert.equal(formatFloat(-0), "-0");
  });
});

describe("subscribe form", () => {
  it("binds like Go's decoder", () => {
    assert.deepEqual(bindSubscribeForm({ clientId: "x", subscriptions: null }), {
      clientId: "x",
      subscriptions: [],
    });
    assert.deepEqual(bindSubscribeForm(null), { clientId: "", subscriptions: [] });
    assert.throws(() => bindSubscribeForm({ clientId: 1 }), SubscribeFormBindError);
    assert.throws(() => bindSubscribeForm({ subscriptions: "a" }), SubscribeFormBindError);
    assert.throws(() => bindSubscribeForm({ subscriptions: [1] }), SubscribeFormBindError);
    // form bodies: inferred scalars become strings again, one value is a one-item list
    assert.deepEqual(bindSubscribeForm({ clientId: 12, subscriptions: "a" }, true), {
      clientId: "12",
      subscriptions: ["a"],
    });
  });

  it("validates lengths with PocketBase's codes", () => {
    const errorsOf = (form: { clientId: string; subscriptions: string[] }) => {
      try {
        validateSubscribeForm(form);
        return null;
      } catch (err) {
        assert.ok(err instanceof ValidationErrors);
        return JSON.parse(
          JSON.stringify(err.errors, (k, v) =>
            v instanceof Error ? { code: (v as unknown as { code: string }).code } : v,
          ),
        );
      }
    };
    assert.equal(errorsOf({ clientId: "a", subscriptions: Array(1000).fill("x".repeat(2500)) }), null);
    assert.deepEqual(errorsOf({ clientId: "", subscriptions: [] }), {
      clientId: { code: "validation_required" },
    });
    assert.deepEqual(errorsOf({ clientId: "a".repeat(256), subscriptions: [] }), {
      clientId: { code: "validation_length_out_of_range" },
    });
    assert.deepEqual(errorsOf({ clientId: "a", subscriptions: Array(1001).fill("x") }), {
      subscriptions: { code: "validation_length_too_long" },
    });
    assert.deepEqual(errorsOf({ clientId: "a", subscriptions: ["ok", "x".repeat(2501)] }), {
      subscriptions: { "1": { code: "validation_length_too_long" } },
    });
    // characters, not UTF-16 units
    assert.equal(errorsOf({ clientId: "a", subscriptions: ["😀".repeat(2500)] }), null);
  });
});
