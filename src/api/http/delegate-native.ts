/**
 * The trick behind the plain response and the node request view: an object of our own whose
 * prototype chain ends in the platform's Request/Response prototype (so `instanceof` holds)
 * and which builds the platform's object on the first read of anything it does not serve
 * itself. Every accessor and method of the platform prototype is forwarded, whatever the
 * runtime (Node, Bun) defines there.
 */
export function delegateToNative(
  ours: object,
  native: object,
  build: (self: never) => object,
  own: ReadonlySet<string>,
): void {
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
}
