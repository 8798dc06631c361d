/**
 * A realtime client, independent of its transport (SSE, WebSocket, or a test): its id, its
 * subscriptions with their decoded options, its auth, its connecting IP and a bounded queue of
 * outgoing messages. Producers call `send()` (synchronous, never blocks); the transport drains
 * the queue with `take()` and `whenQueued()` (or `next()`) at the pace its connection allows. A client whose queue grows past
 * its limits is discarded (a slow or dead consumer never holds up anyone else), and its
 * transport closes the connection. Modelled on PocketBase's tools/subscriptions/client.go.
 */
import { randomString, ALPHANUMERIC } from "../tools/random.ts";
import { parseSubscription, type SubscriptionOptions } from "./subscription.ts";

/** One message: an event name (usually a subscription string) and its data (a JSON text). */
export interface Message {
  name: string;
  data: string;
}

/** A subscription's topic (the part before `?`) and decoded options. */
interface Subscription {
  topic: string;
  options: SubscriptionOptions;
}

/** The options of every subscription without any: one frozen object, not two per subscription. */
const EMPTY_OPTIONS: SubscriptionOptions = Object.freeze({
  query: Object.freeze({}),
  headers: Object.freeze({}),
});

function isEmptyOptions(options: SubscriptionOptions): boolean {
  for (const _ in options.query) return false;
  for (const _ in options.headers) return false;
  return true;
}

/** Length of a client id (`[A-Za-z0-9]{40}`). */
export const CLIENT_ID_LENGTH = 40;

/** Why a client stopped. */
export type DiscardReason =
  /** Removed from its broker (closed by the server, or its transport ended). */
  | "unregistered"
  /** Its queue exceeded the limits: the consumer is too slow or gone. */
  | "overflow"
  /** The connection closed or timed out (set by the transport). */
  | "closed";

/** Bounds of a client's outgoing queue. */
export interface ClientLimits {
  /** Most messages waiting for the transport (default 1000). */
  maxQueuedMessages: number;
  /** Most bytes (UTF-16 code units of names + data, as an estimate) waiting (default 4 MiB). */
  maxQueuedBytes: number;
}

/** Default queue bounds. */
export const DEFAULT_CLIENT_LIMITS: Readonly<ClientLimits> = {
  maxQueuedMessages: 1000,
  maxQueuedBytes: 4 << 20,
};

/** Options of `new Client`. */
export interface ClientOptions {
  /** The id (a random 40-character one by default). */
  id?: string;
  /** The IP the client connected from. */
  ip?: string;
  /** Queue bounds. */
  limits?: Partial<ClientLimits>;
}

/** Receives a client's subscription changes (the broker keeps its topic index with it). */
export type SubscriptionsObserver<A> = (
  client: Client<A>,
  removedTopics: readonly string[],
  addedTopics: readonly string[],
) => void;

/** A realtime client; `A` is the type of its auth state (opaque to this layer). */
export class Client<A = unknown> {
  readonly id: string;
  /** The IP the client connected from. */
  ip: string;
  /** The client's auth (set by the subscribe request), null for guests. */
  auth: A | null = null;
  readonly limits: Readonly<ClientLimits>;

  /**
   * Subscription string → its topic and options; created with the first subscription. Clients
   * have a handful of subscriptions and a server has thousands of clients, so there is no
   * per-client topic index (the broker has the one that matters): lookups by topic scan this.
   */
  #subscriptions: Map<string, Subscription> | null = null;
  /** The per-client store, created on first `set()`. */
  #store: Map<string, unknown> | null = null;
  #queue: Message[] = [];
  #head = 0;
  #queuedBytes = 0;
  /** The transport's one-shot wake-up, set while it waits for a message. */
  #wake: (() => void) | null = null;
  #discarded: DiscardReason | null = null;
  /** Usually two: the broker's and the transport's. */
  #discardListeners: ((reason: DiscardReason) => void)[] = [];
  #observer: SubscriptionsObserver<A> | null = null;

  constructor(options: ClientOptions = {}) {
    this.id = options.id ?? randomString(CLIENT_ID_LENGTH, ALPHANUMERIC);
    this.ip = options.ip ?? "";
    // Clients without limits of their own share the defaults (no object per client).
    this.limits = options.limits ? { ...DEFAULT_CLIENT_LIMITS, ...options.limits } : DEFAULT_CLIENT_LIMITS;
  }

  // ---- subscriptions ---------------------------------------------------------------------

  /** Adds subscriptions (exact strings; empty ones are ignored). */
  subscribe(...subscriptions: string[]): void {
    const added: string[] = [];
    for (const s of subscriptions) {
      if (s === "" || this.#subscriptions?.has(s)) continue;
      const { topic, options } = parseSubscription(s);
      if (!this.#hasTopic(topic) && !added.includes(topic)) added.push(topic);
      this.#subscriptions ??= new Map();
      this.#subscriptions.set(s, { topic, options: isEmptyOptions(options) ? EMPTY_OPTIONS : options });
    }
    if (added.length > 0) this.#observer?.(this, [], added);
  }

  /** Removes the given subscriptions, or all of them when called without arguments. */
  unsubscribe(...subscriptions: string[]): void {
    const all = this.#subscriptions;
    if (!all) return;
    const list = subscriptions.length > 0 ? subscriptions : [...all.keys()];
    const removed: string[] = [];
    for (const s of list) {
      const entry = all.get(s);
      if (!entry) continue;
      all.delete(s);
      if (!this.#hasTopic(entry.topic) && !removed.includes(entry.topic)) removed.push(entry.topic);
    }
    if (all.size === 0) this.#subscriptions = null;
    if (removed.length > 0) this.#observer?.(this, removed, []);
  }

  #hasTopic(topic: string): boolean {
    if (this.#subscriptions)
      for (const entry of this.#subscriptions.values()) if (entry.topic === topic) return true;
    return false;
  }

  /** Replaces the whole subscription set (what a subscribe request does). */
  setSubscriptions(subscriptions: readonly string[]): void {
    this.unsubscribe();
    this.subscribe(...subscriptions);
  }

  /** Whether the client has exactly this subscription string. */
  hasSubscription(subscription: string): boolean {
    return this.#subscriptions?.has(subscription) ?? false;
  }

  /** The decoded options of a subscription string. */
  subscriptionOptions(subscription: string): SubscriptionOptions | undefined {
    return this.#subscriptions?.get(subscription)?.options;
  }

  /**
   * The subscriptions (string → options), all of them or those matching any of the prefixes
   * with PocketBase's rule: `subscription + "?"` starts with the prefix (so `posts/*?` matches
   * `posts/*` and `posts/*?options=…`).
   */
  subscriptions(...prefixes: string[]): Map<string, SubscriptionOptions> {
    const out = new Map<string, SubscriptionOptions>();
    if (!this.#subscriptions) return out;
    if (prefixes.length === 0) {
      for (const [s, entry] of this.#subscriptions) out.set(s, entry.options);
      return out;
    }
    for (const prefix of prefixes) {
      for (const [s, entry] of this.#subscriptions) if (`${s}?`.startsWith(prefix)) out.set(s, entry.options);
    }
    return out;
  }

  /** The subscription strings whose topic (part before `?`) is exactly `topic`. */
  subscriptionsForTopic(topic: string): readonly string[] {
    const out: string[] = [];
    if (this.#subscriptions)
      for (const [s, entry] of this.#subscriptions) if (entry.topic === topic) out.push(s);
    return out;
  }

  /** The distinct topics the client is subscribed to. */
  topics(): string[] {
    const out = new Set<string>();
    if (this.#subscriptions) for (const entry of this.#subscriptions.values()) out.add(entry.topic);
    return [...out];
  }

  /** Sets the observer of subscription changes (one per client: its broker). */
  observeSubscriptions(observer: SubscriptionsObserver<A> | null): void {
    this.#observer = observer;
  }

  // ---- per-client store (like Go's client.Set/Get) --------------------------------------

  /** Stores a value in the client's context. */
  set(key: string, value: unknown): void {
    (this.#store ??= new Map()).set(key, value);
  }

  /** A value of the client's context. */
  get(key: string): unknown {
    return this.#store?.get(key);
  }

  /** Removes a value of the client's context. */
  unset(key: string): void {
    this.#store?.delete(key);
  }

  // ---- the outgoing queue ---------------------------------------------------------------

  /** Number of messages waiting for the transport. */
  get queuedMessages(): number {
    return this.#queue.length - this.#head;
  }

  /** Estimated size of the messages waiting for the transport. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /**
   * Queues a message for the transport. Never blocks: returns false when the client is
   * discarded, and discards it (reason `overflow`) when the queue would exceed its limits.
   */
  send(message: Message): boolean {
    if (this.#discarded) return false;
    const size = message.name.length + message.data.length;
    if (
      this.queuedMessages + 1 > this.limits.maxQueuedMessages ||
      this.#queuedBytes + size > this.limits.maxQueuedBytes
    ) {
      this.discard("overflow");
      return false;
    }
    this.#queue.push(message);
    this.#queuedBytes += size;
    const wake = this.#wake;
    if (wake) {
      // The transport is idle: it takes the message now, in this call (no promise per client).
      this.#wake = null;
      wake();
    }
    return true;
  }

  /**
   * Calls `callback` once, synchronously from the `send()` that queues the next message, or
   * from `discard()`. Meant for the single consumer of the queue (its transport), when `take()`
   * found it empty; a later call replaces an earlier callback.
   */
  whenQueued(callback: () => void): void {
    if (this.#discarded || this.queuedMessages > 0) {
      callback();
      return;
    }
    this.#wake = callback;
  }

  /** Takes the next queued message without waiting (undefined when none). */
  take(): Message | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const message = this.#queue[this.#head]!;
    this.#queue[this.#head] = undefined as unknown as Message;
    this.#head++;
    this.#queuedBytes -= message.name.length + message.data.length;
    if (this.#head >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }

  /**
   * Waits for the next message; null once the client is discarded (queued messages are
   * dropped then). Meant for a single consumer: the client's transport.
   */
  next(): Promise<Message | null> {
    return new Promise((resolve) => {
      this.whenQueued(() => resolve(this.#discarded ? null : (this.take() ?? null)));
    });
  }

  // ---- lifecycle ------------------------------------------------------------------------

  /** Whether the client was discarded (no more messages are accepted). */
  get isDiscarded(): boolean {
    return this.#discarded !== null;
  }

  /** Why the client was discarded, or null. */
  get discardReason(): DiscardReason | null {
    return this.#discarded;
  }

  /**
   * Marks the client as discarded: queued messages are dropped, a waiting `next()` resolves
   * with null and the discard listeners run (the transport closes its connection, the broker
   * forgets the client). Safe to call more than once.
   */
  discard(reason: DiscardReason = "unregistered"): void {
    if (this.#discarded) return;
    this.#discarded = reason;
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
    const listeners = this.#discardListeners;
    this.#discardListeners = [];
    for (const listener of listeners) {
      try {
        listener(reason);
      } catch (err) {
        console.error(err);
      }
    }
  }

  /** Runs `listener` when the client is discarded (right away if it already is); returns an unsubscribe function. */
  onDiscard(listener: (reason: DiscardReason) => void): () => void {
    if (this.#discarded) {
      listener(this.#discarded);
      return () => {};
    }
    this.#discardListeners.push(listener);
    return () => {
      const at = this.#discardListeners.indexOf(listener);
      if (at >= 0) this.#discardListeners.splice(at, 1);
    };
  }
}
