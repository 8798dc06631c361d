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

/** Resolves after a few event-loop turns, so the rest of a chain is really asynchronous. */
const later = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

test("a handler that calls next without awaiting it: trigger resolves after the rest of the chain", async () => {
  const hook = new Hook<TestEvent>();
  hook.bindFunc((e) => {
    e.log.push("sync-before");
    void e.next();
    e.log.push("sync-after");
  });
  hook.bindFunc(async (e) => {
    await later();
    e.log.push("second");
    await e.next();
  });
  const e = new TestEvent();
  await hook.trigger(e, async (ev) => {
    await later();
    ev.log.push("default");
  });
  assert.deepEqual(e.log, ["sync-before", "sync-after", "second", "default"]);
});

test("an error of an un-awaited next rejects the trigger, with no unhandled rejection", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  process.on("unhandledRejection", onUnhandled);
  try {
    const hook = new Hook<TestEvent>();
    hook.bindFunc((e) => void e.next());
    const e = new TestEvent();
    await assert.rejects(
      hook.trigger(e, async () => {
        await later();
        throw new Error("stored later, failed");
      }),
      /stored later, failed/,
    );
    await later();
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});

test("an error the handler awaited and handled does not reach the trigger", async () => {
  const hook = new Hook<TestEvent>();
  hook.bindFunc(async (e) => {
    try {
      await e.next();
    } catch (err) {
      e.log.push(`caught ${(err as Error).message}`);
    }
  });
  const e = new TestEvent();
  await hook.trigger(e, async () => {
    await later();
    throw new Error("x");
  });
  assert.deepEqual(e.log, ["caught x"]);
});

test("a handler that throws after an un-awaited next rejects once the rest has finished", async () => {
  const hook = new Hook<TestEvent>();
  hook.bindFunc((e) => {
    void e.next();
    throw new Error("after next");
  });
  const e = new TestEvent();
  await assert.rejects(
    hook.trigger(e, async (ev) => {
      await later();
      ev.log.push("default");
    }),
    /after next/,
  );
  assert.deepEqual(e.log, ["default"]);
});

test("calling next twice runs the rest of the chain once", async () => {
  const hook = new Hook<TestEvent>();
  hook.bindFunc(async (e) => {
    void e.next();
    await e.next();
    await e.next();
  });
  hook.bindFunc(async (e) => {
    await later();
    e.log.push("second");
    await e.next();
  });
  const e = new TestEvent();
  await hook.trigger(e, (ev) => void ev.log.push("default"));
  assert.deepEqual(e.log, ["second", "default"]);
});

test("next called again after an un-awaited next continues the caller's own link", async () => {
  const hook = new Hook<TestEvent>();
  hook.bindFunc((e) => {
    void e.next(); // the second handler is now waiting inside its own code
    void e.next(); // must not run the default behaviour on the second handler's behalf
    e.log.push("first done");
  });
  hook.bindFunc(async (e) => {
    await later();
    e.log.push("second decides to stop");
  });
  const e = new TestEvent();
  await hook.trigger(e, (ev) => void ev.log.push("default"));
  assert.deepEqual(e.log, ["first done", "second decides to stop"]);
});

test("with nothing bound the default runs alone: its next() ends the chain, an outer chain of the same event is not continued", async () => {
  const outer = new Hook<TestEvent>();
  const inner = new Hook<TestEvent>();
  const e = new TestEvent();
  // no handler on either: the default's next() is the end of the chain
  await inner.trigger(e, async (ev) => {
    ev.log.push("default");
    await ev.next();
    ev.log.push("after next");
  });
  assert.deepEqual(e.log, ["default", "after next"]);

  // the same event passed on to an empty hook from inside a handler of another: next() in the
  // inner default must not run the outer chain's rest again
  e.log = [];
  outer.bindFunc(async (ev) => {
    ev.log.push("outer handler");
    await inner.trigger(ev, async (x) => {
      x.log.push("inner default");
      await x.next();
    });
    await ev.next();
  });
  await outer.trigger(e, (ev) => void ev.log.push("outer default"));
  assert.deepEqual(e.log, ["outer handler", "inner default", "outer default"]);

  // an error of the default is the trigger's
  await assert.rejects(
    inner.trigger(new TestEvent(), () => {
      throw new Error("boom");
    }),
    /boom/,
  );
  await inner.trigger(new TestEvent()); // no default: nothing to run
});
