import { test } from "node:test";
import assert from "node:assert/strict";
import { Hook, HookEvent, TaggedHook, type TaggedEvent } from "./hook.ts";

class TestEvent extends HookEvent {
  log: string[] = [];
}

test("handlers run by priority then binding order, and the default behaviour last", async () => {
  const hook = new Hook<TestEvent>();
  hook.bind({ priority: 10, func: async (e) => (e.log.push("p10"), e.next()) });
  hook.bindFunc(async (e) => (e.log.push("a"), e.next()));
  hook.bind({ priority: -5, func: async (e) => (e.log.push("p-5"), e.next()) });
  hook.bindFunc(async (e) => (e.log.push("b"), e.next()));
  const e = new TestEvent();
  await hook.trigger(e, (ev) => void ev.log.push("default"));
  assert.deepEqual(e.log, ["p-5", "a", "b", "p10", "default"]);
});

test("a handler that does not call next stops the chain", async () => {
  const hook = new Hook<TestEvent>();
  hook.bindFunc((e) => void e.log.push("stop"));
  const e = new TestEvent();
  await hook.trigger(e, (ev) => void ev.log.push("default"));
  assert.deepEqual(e.log, ["stop"]);
});

test("code after next runs after the rest of the chain", async () => {
  const hook = new Hook<TestEvent>();
  hook.bindFunc(async (e) => {
    e.log.push("before");
    await e.next();
    e.log.push("after");
  });
  const e = new TestEvent();
  await hook.trigger(e, async (ev) => {
    await Promise.resolve();
    ev.log.push("default");
  });
  assert.deepEqual(e.log, ["before", "default", "after"]);
});

test("a thrown error aborts the chain and reaches the caller", async () => {
  const hook = new Hook<TestEvent>();
  hook.bindFunc(() => {
    throw new Error("boom");
  });
  const e = new TestEvent();
  await assert.rejects(
    hook.trigger(e, (ev) => void ev.log.push("default")),
    /boom/,
  );
  assert.deepEqual(e.log, []);
});

test("binding with an existing id replaces the handler and unbind removes it", async () => {
  const hook = new Hook<TestEvent>();
  hook.bind({ id: "x", func: (e) => (e.log.push("one"), e.next()) });
  hook.bind({ id: "x", func: (e) => (e.log.push("two"), e.next()) });
  assert.equal(hook.length, 1);
  const e = new TestEvent();
  await hook.trigger(e);
  assert.deepEqual(e.log, ["two"]);
  hook.unbind("x");
  assert.equal(hook.length, 0);
});

test("nested triggers with the same event restore the outer continuation", async () => {
  const outer = new Hook<TestEvent>();
  const inner = new Hook<TestEvent>();
  inner.bindFunc((e) => (e.log.push("inner"), e.next()));
  outer.bindFunc(async (e) => {
    await inner.trigger(e, (ev) => void ev.log.push("inner-default"));
    await e.next();
  });
  const e = new TestEvent();
  await outer.trigger(e, (ev) => void ev.log.push("outer-default"));
  assert.deepEqual(e.log, ["inner", "inner-default", "outer-default"]);
});

class TagEvent extends TestEvent implements TaggedEvent {
  readonly eventTags: string[];
  constructor(eventTags: string[]) {
    super();
    this.eventTags = eventTags;
  }
  tags() {
    return this.eventTags;
  }
}

test("tagged handlers run only for events with a matching tag", async () => {
  const hook = new Hook<TagEvent>();
  new TaggedHook(hook, ["posts"]).bindFunc((e) => (e.log.push("posts"), e.next()));
  new TaggedHook(hook, []).bindFunc((e) => (e.log.push("all"), e.next()));
  const a = new TagEvent(["users", "_pb_users_auth_"]);
  await hook.trigger(a);
  assert.deepEqual(a.log, ["all"]);
  const b = new TagEvent(["posts", "pbc_1"]);
  await hook.trigger(b);
  assert.deepEqual(b.log, ["posts", "all"]);
});
