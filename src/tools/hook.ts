/**
 * Hook chains: every mutation in Satchel runs through one. Handlers are sorted by priority
 * (lower first, ties in binding order) and each must call `e.next()` to continue; the last link
 * is the default behaviour passed to `trigger`. Not calling `next()` stops the chain, throwing
 * aborts it. Modelled on PocketBase's tools/hook.
 *
 * PocketBase handlers are written in a synchronous style: `e.next()` is often not awaited. So
 * `trigger` never resolves before the rest of the chain has finished, even when a handler
 * returned without awaiting its `next()`, and an error of that un-awaited continuation rejects
 * the trigger instead of becoming an unhandled rejection. `next()` runs the rest once: a second
 * call returns the same promise.
 *
 * Which link `e.next()` continues is found through an AsyncLocalStorage frame per running
 * handler (not a slot on the event): a handler whose code runs on after an un-awaited `next()`
 * still continues its own link, not the one of the handler running after it.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const NEXT = Symbol("next");

/** The continuation of one running handler, linked to the handlers running around it. */
interface Link {
  readonly event: HookEvent;
  readonly next: () => Promise<void>;
  readonly parent: Link | undefined;
}

const running = new AsyncLocalStorage<Link>();

/**
 * The promise `next()` returns. It records whether the handler looked at it (awaited it or
 * attached a handler): an error of a continuation the handler never looked at is the
 * trigger's error; one it looked at is the handler's to rethrow or to swallow.
 */
class NextPromise extends Promise<void> {
  observed = false;

  // Derived promises (`then`, `catch`) are plain ones.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  // `await` calls this too: a subclass instance is not passed through as a native promise.
  override then<A = void, B = never>(
    onFulfilled?: ((value: void) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.observed = true;
    return super.then(onFulfilled, onRejected);
  }
}

const ignore = (): void => {};

/** The `next` of the last link: there is nothing after it. */
const resolvedNext = (): Promise<void> => Promise.resolve();

/** Whether a chain of `event` is running around the caller (its link is on the async context). */
function isRunning(event: HookEvent): boolean {
  for (let link = running.getStore(); link; link = link.parent) if (link.event === event) return true;
  return false;
}

/** The base of every hook event: carries the continuation of the running chain. */
export class HookEvent {
  [NEXT]: (() => Promise<void>) | undefined = undefined;

  /** Runs the rest of the chain (the next handler, or the default behaviour). */
  next(): Promise<void> {
    for (let link = running.getStore(); link; link = link.parent) {
      if (link.event === this) return link.next();
    }
    // Called outside the handler's async context (e.g. from an event listener): the
    // innermost running link of this event.
    const next = this[NEXT];
    return next ? next() : Promise.resolve();
  }
}

/** A function that handles an event. */
export type HookFunc<E extends HookEvent> = (e: E) => Promise<void> | void;

/** A registered handler with an id (to unbind or replace) and a priority. */
export interface Handler<E extends HookEvent> {
  id?: string;
  priority?: number;
  func: HookFunc<E>;
  /**
   * For built-in handlers that often have nothing to do: true while the handler would only
   * call `e.next()` (e.g. realtime fan-out with no client connected). Lets a caller skip
   * building events nobody needs (see `Hook.isIdle`).
   */
  idle?: () => boolean;
}

interface BoundHandler<E extends HookEvent> {
  id: string;
  priority: number;
  order: number;
  func: HookFunc<E>;
  idle: (() => boolean) | undefined;
}

let handlerCounter = 0;

/** What can be bound to: a hook, or a tag-filtered view of one. */
export interface HookBinder<E extends HookEvent> {
  /** Registers (or replaces, by id) a handler and returns its id. */
  bind(handler: Handler<E>): string;
  /** Registers a plain function with priority 0 and returns its generated id. */
  bindFunc(func: HookFunc<E>): string;
  /** Removes handlers by id. */
  unbind(...ids: string[]): void;
}

/** A chain of handlers for one event type. */
export class Hook<E extends HookEvent> implements HookBinder<E> {
  #handlers: BoundHandler<E>[] = [];
  #sorted: BoundHandler<E>[] | null = null;

  bind(handler: Handler<E>): string {
    const id = handler.id ?? `__h${++handlerCounter}`;
    const bound = {
      id,
      priority: handler.priority ?? 0,
      order: ++handlerCounter,
      func: handler.func,
      idle: handler.idle,
    };
    const existing = this.#handlers.findIndex((h) => h.id === id);
    if (existing >= 0) this.#handlers[existing] = bound;
    else this.#handlers.push(bound);
    this.#sorted = null;
    return id;
  }

  bindFunc(func: HookFunc<E>): string {
    return this.bind({ func });
  }

  unbind(...ids: string[]): void {
    this.#handlers = this.#handlers.filter((h) => !ids.includes(h.id));
    this.#sorted = null;
  }

  /** Removes every handler. */
  unbindAll(): void {
    this.#handlers = [];
    this.#sorted = null;
  }

  /** Number of bound handlers. */
  get length(): number {
    return this.#handlers.length;
  }

  /** Whether triggering would only run the default behaviour: every handler (if any) is idle. */
  isIdle(): boolean {
    for (const h of this.#handlers) if (!h.idle?.()) return false;
    return true;
  }

  /**
   * Runs the bound handlers then `oneOffs` (usually the default behaviour) as one chain.
   * The event's previous continuation is restored afterwards, so one event object can pass
   * through nested chains (e.g. a model hook driving its record hook).
   */
  async trigger(event: E, ...oneOffs: HookFunc<E>[]): Promise<void> {
    // Nothing bound (the usual case for request hooks): the default behaviour is the whole
    // chain, so it runs as a plain call, without the chain's frames, its `next` and the
    // AsyncLocalStorage frame per link (~2 KB a request). Its `e.next()` would only resolve; it
    // still does, through the event's slot, unless an outer chain of this same event is running,
    // whose link `e.next()` would find first: that case takes the chain.
    if (this.#handlers.length === 0 && oneOffs.length <= 1 && !isRunning(event)) {
      const only = oneOffs[0];
      if (!only) return;
      const previous = event[NEXT];
      event[NEXT] = resolvedNext;
      try {
        await only(event);
      } finally {
        event[NEXT] = previous;
      }
      return;
    }
    this.#sorted ??= [...this.#handlers].sort((a, b) => a.priority - b.priority || a.order - b.order);
    const chain: HookFunc<E>[] =
      oneOffs.length === 0
        ? this.#sorted.map((h) => h.func)
        : [...this.#sorted.map((h) => h.func), ...oneOffs];
    const previous = event[NEXT];
    try {
      await runChain(chain, 0, event, running.getStore());
    } finally {
      event[NEXT] = previous;
    }
  }
}

/**
 * Runs `chain[index]` with a `next` that runs the rest once, and settles only when both the
 * handler and (if it called `next`) the rest of the chain have settled.
 */
async function runChain<E extends HookEvent>(
  chain: readonly HookFunc<E>[],
  index: number,
  event: E,
  parent: Link | undefined,
): Promise<void> {
  const func = chain[index];
  if (!func) return;
  let rest: Promise<void> | undefined;
  let returned: NextPromise | undefined;
  const next = (): Promise<void> => {
    if (!returned) {
      const started = runChain(chain, index + 1, event, parent);
      rest = started;
      started.catch(ignore); // settled below; never an unhandled rejection meanwhile
      const promise = new NextPromise(
        (resolve, reject) => void Promise.prototype.then.call(started, resolve, reject),
      );
      // Marks it handled without counting as observed (the base `then`, not the override).
      void Promise.prototype.then.call(promise, undefined, ignore);
      returned = promise;
    }
    return returned;
  };
  event[NEXT] = next;
  let failed = false;
  let error: unknown;
  try {
    await running.run({ event, next, parent }, func, event);
  } catch (err) {
    failed = true;
    error = err;
  }
  if (rest) {
    try {
      await rest;
    } catch (err) {
      // An error the handler awaited is already its own outcome (rethrown or handled).
      if (!failed && !returned?.observed) {
        failed = true;
        error = err;
      }
    }
  }
  if (failed) throw error;
}

/** An event that can be filtered by tags (collection ids/names, table names). */
export interface TaggedEvent extends HookEvent {
  /** The tags this event matches. */
  tags(): readonly string[];
}

/** A view of a hook whose handlers run only for events carrying one of its tags. */
export class TaggedHook<E extends TaggedEvent> implements HookBinder<E> {
  readonly #hook: Hook<E>;
  readonly #tags: readonly string[];

  constructor(hook: Hook<E>, tags: readonly string[]) {
    this.#hook = hook;
    this.#tags = tags;
  }

  /** Whether the handlers of this view run for the event. */
  canTrigger(event: E): boolean {
    if (this.#tags.length === 0) return true;
    const eventTags = event.tags();
    return this.#tags.some((t) => eventTags.includes(t));
  }

  bind(handler: Handler<E>): string {
    const func = handler.func;
    return this.#hook.bind({
      ...handler,
      func: (e) => (this.canTrigger(e) ? func(e) : e.next()),
    });
  }

  bindFunc(func: HookFunc<E>): string {
    return this.bind({ func });
  }

  unbind(...ids: string[]): void {
    this.#hook.unbind(...ids);
  }
}
