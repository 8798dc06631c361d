/**
 * The broker: the registry of connected realtime clients and the entry point for sending them
 * messages. `Broker` is the seam for running more than one process: an in-memory broker
 * delivers to the clients of this process; a later PostgreSQL LISTEN/NOTIFY broker can publish
 * `send`/`broadcast` to every instance, each delivering to its own clients through the same
 * interface. Nothing here knows about HTTP. Modelled on PocketBase's
 * tools/subscriptions/broker.go.
 */
import type { Client, Message } from "./client.ts";
import type { SubscriptionOptions } from "./subscription.ts";

/** Decides, per client and subscription, whether a broadcast goes out. */
export type BroadcastFilter<A> = (
  client: Client<A>,
  subscription: string,
  options: SubscriptionOptions,
) => boolean;

/** The realtime clients and how to reach them. */
export interface Broker<A = unknown> {
  /** Adds a client (its subscriptions are indexed from now on). */
  register(client: Client<A>): void;
  /** Discards and removes a client; unknown ids are ignored. */
  unregister(clientId: string): void;
  /** A client of this process by id. */
  client(clientId: string): Client<A> | undefined;
  /** The clients of this process. */
  clients(): Client<A>[];
  /** The clients of this process split into chunks (to spread work, like PocketBase's ChunkedClients). */
  chunkedClients(chunkSize: number): Client<A>[][];
  /** Number of clients of this process. */
  readonly size: number;
  /** The clients of this process with at least one subscription to `topic` (the part before `?`). */
  clientsForTopic(topic: string): Client<A>[];
  /** Queues a message for one client; false when it is unknown, discarded or overflowing. */
  send(clientId: string, message: Message): boolean;
  /**
   * Sends `data` to every subscription whose topic is `topic`, each message named by the exact
   * subscription string (options included), as the SDKs expect; `filter` may skip some.
   * Returns the number of messages queued.
   */
  broadcast(topic: string, data: string, filter?: BroadcastFilter<A>): number;
  /** Discards every client (server shutdown). */
  closeAll(): void;
}

/** The in-process broker with a topic index, so a broadcast costs O(subscribers). */
export class MemoryBroker<A = unknown> implements Broker<A> {
  readonly #clients = new Map<string, Client<A>>();
  readonly #byTopic = new Map<string, Set<Client<A>>>();
  readonly #detach = new Map<string, () => void>();

  get size(): number {
    return this.#clients.size;
  }

  register(client: Client<A>): void {
    if (client.isDiscarded) return;
    const previous = this.#clients.get(client.id);
    if (previous && previous !== client) this.unregister(client.id);
    this.#clients.set(client.id, client);
    this.#index(client, [], client.topics());
    client.observeSubscriptions((c, removed, added) => this.#index(c, removed, added));
    // However the client ends (overflow, transport close), the broker forgets it.
    this.#detach.set(
      client.id,
      client.onDiscard(() => this.#forget(client)),
    );
  }

  unregister(clientId: string): void {
    const client = this.#clients.get(clientId);
    if (!client) return;
    this.#forget(client);
    client.discard("unregistered");
  }

  client(clientId: string): Client<A> | undefined {
    return this.#clients.get(clientId);
  }

  clients(): Client<A>[] {
    return [...this.#clients.values()];
  }

  chunkedClients(chunkSize: number): Client<A>[][] {
    const all = this.clients();
    const size = Math.max(1, Math.floor(chunkSize));
    const chunks: Client<A>[][] = [];
    for (let i = 0; i < all.length; i += size) chunks.push(all.slice(i, i + size));
    return chunks;
  }

  clientsForTopic(topic: string): Client<A>[] {
    const set = this.#byTopic.get(topic);
    return set ? [...set] : [];
  }

  send(clientId: string, message: Message): boolean {
    return this.#clients.get(clientId)?.send(message) ?? false;
  }

  broadcast(topic: string, data: string, filter?: BroadcastFilter<A>): number {
    const set = this.#byTopic.get(topic);
    if (!set) return 0;
    let sent = 0;
    // Clients with the same subscription string share one message object, so transports can
    // encode it once (the SSE writer and the WebSocket framer cache per message).
    const messages = new Map<string, Message>();
    for (const client of [...set]) {
      for (const subscription of client.subscriptionsForTopic(topic)) {
        if (filter) {
          const options = client.subscriptionOptions(subscription);
          if (!options || !filter(client, subscription, options)) continue;
        }
        let message = messages.get(subscription);
        if (!message) {
          message = { name: subscription, data };
          messages.set(subscription, message);
        }
        if (client.send(message)) sent++;
      }
    }
    return sent;
  }

  closeAll(): void {
    for (const client of this.clients()) this.unregister(client.id);
  }

  #forget(client: Client<A>): void {
    if (this.#clients.get(client.id) !== client) return;
    this.#index(client, client.topics(), []);
    this.#clients.delete(client.id);
    client.observeSubscriptions(null);
    const detach = this.#detach.get(client.id);
    this.#detach.delete(client.id);
    detach?.();
  }

  #index(client: Client<A>, removed: readonly string[], added: readonly string[]): void {
    if (this.#clients.get(client.id) !== client) return;
    for (const topic of removed) {
      const set = this.#byTopic.get(topic);
      set?.delete(client);
      if (set && set.size === 0) this.#byTopic.delete(topic);
    }
    for (const topic of added) {
      let set = this.#byTopic.get(topic);
      if (!set) {
        set = new Set();
        this.#byTopic.set(topic, set);
      }
      set.add(client);
    }
  }
}
