/**
 * The trick behind the plain response and the node request view: an object of our own whose
 * prototype chain ends in the platform's Request/Response prototype (so `instanceof` holds)
 * and which builds the platform's object on the first read of anything it does not serve
 * itself. Every accessor and method of the platform prototype is forwarded, whatever the
 * runtime (Node, Bun) defines there.
 *
 * The link is made lazily: on Node, the first read of the global `Request`/`Response` (or
 * `Headers`, `fetch`…) loads undici, the largest single cost of a cold start
 * (docs/performance.md, "Cold start and rest, round 5"), and a server answering plain
 * responses never needs it. Until the link is made, `ours` inherits from a stand-in (a Proxy)
 * whose every trap makes the link first and then answers as the linked chain would; the
 * stand-in then leaves the chain. So whatever first looks past `ours` (`res.text()`,
 * `res instanceof Response`, which walks the chain through the stand-in's prototype,
 * `"body" in res`) sees the platform's prototype, and nothing that only uses `ours`'s own
 * members (the adapter's fast path) ever loads it. The one lookup the stand-in answers
 * without linking is `then`: resolving a promise with a response reads it, and neither
 * prototype has one.
 */
export function delegateToNative(
  ours: object,
  nativePrototype: () => object,
  build: (self: never) => object,
  own: ReadonlySet<string>,
): void {
  let linked: object | undefined;
  const link = (): object => {
    if (linked) return linked;
    const native = nativePrototype();
    for (const key of Object.getOwnPropertyNames(native)) {
      if (key === "constructor" || own.has(key)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(native, key)!;
      if (descriptor.get) {
        Object.defineProperty(ours, key, {
          get(this: never) {
            return (build(this) as { [k: string]: unknown })[key];
          },
          configurable: true,
        });
      } else if (typeof descriptor.value === "function") {
        Object.defineProperty(ours, key, {
          value(this: never, ...args: unknown[]) {
            const target = build(this) as { [k: string]: (...a: unknown[]) => unknown };
            return target[key]!(...args);
          },
          configurable: true,
          writable: true,
        });
      }
    }
    Object.setPrototypeOf(ours, native);
    linked = native;
    return native;
  };
  // Each trap answers for a lookup that reached the stand-in (through `ours`), now that `ours`
  // has the forwarded members and the platform's prototype behind it.
  const standIn = new Proxy(Object.create(null) as object, {
    get: (_t, key, receiver) => (key === "then" ? undefined : Reflect.get(link() && ours, key, receiver)),
    set: (_t, key, value, receiver) => Reflect.set(link() && ours, key, value, receiver),
    has: (_t, key) => Reflect.has(link() && ours, key),
    getPrototypeOf: () => link(),
    ownKeys: () => Reflect.ownKeys(link()),
    getOwnPropertyDescriptor: (_t, key) => Reflect.getOwnPropertyDescriptor(link(), key),
  });
  Object.setPrototypeOf(ours, standIn);
}
