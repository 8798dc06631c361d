/**
 * Hook chains: every mutation in Satchel runs through one. Handlers are sorted by priority
 * (lower first, ties in binding order) and each must call `e.next()` to continue; the last link
 * is the default behaviour passed to `trigger`. Not calling `next()` stops the chain, throwing
 * aborts it. Modelled on PocketBase's tools/hook.
 */

const NEXT = Symbol("next");

/** The base of every hook event: carries the continuation of the running chain. */
export class HookEvent {
  [NEXT]: (() => Promise<void>) | undefined = undefined;

  /** Runs the rest of the chain (the next handler, or the default behaviour). */
  next(): Promise<void> {
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
}

interface BoundHandler<E extends HookEvent> {
  id: string;
  priority: number;
  order: number;
  func: HookFunc<E>;
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
    const bound = { id, priority: handler.priority ?? 0, order: ++handlerCounter, func: handler.func };
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

  /**
   * Runs the bound handlers then `oneOffs` (usually the default behaviour) as one chain.
   * The event's previous continuation is restored afterwards, so one event object can pass
   * through nested chains (e.g. a model hook driving its record hook).
   */
  async trigger(event: E, ...oneOffs: HookFunc<E>[]): Promise<void> {
    this.#sorted ??= [...this.#handlers].sort((a, b) => a.priority - b.priority || a.order - b.order);
    const chain: HookFunc<E>[] = [...this.#sorted.map((h) => h.func), ...oneOffs];
    const previous = event[NEXT];
    const call = async (index: number): Promise<void> => {
      const func = chain[index];
      if (!func) return;
      event[NEXT] = () => call(index + 1);
      await func(event);
    };
    try {
      await call(0);
    } finally {
      event[NEXT] = previous;
    }
  }
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
