/**
 * The main-thread end of `$app.subscriptionsBroker()` (script-broker.ts): the `realtime` op
 * lists the app's connected clients and acts on one of them by id (send a message, change its
 * subscriptions, read or write its store, discard it). `get("auth")` answers the client's auth
 * record, as PocketBase keeps it under that key.
 */
import type { App } from "../core/app.ts";
import { getRealtimeBroker } from "../api/realtime.ts";
import type { Client } from "../realtime/client.ts";
import { encodeValue, type AppHandles } from "./main-codec.ts";
import { str } from "./text.ts";

/**
 * Clients handed to scripts as `e.client`, by id: the connect hook's client is not in the broker
 * yet (it registers after the handlers), and a message it is sent then must still reach it.
 */
const handedOut = new Map<string, WeakRef<Client<unknown>>>();

/** What a script's client handle starts from (and the client kept to be found by id). */
export function clientInfo<A>(client: Client<A>): { id: string; subscriptions: string[] } {
  if (handedOut.size >= 1024) for (const [id, ref] of handedOut) if (!ref.deref()) handedOut.delete(id);
  handedOut.set(client.id, new WeakRef(client as Client<unknown>));
  return { id: client.id, subscriptions: [...client.subscriptions().keys()] };
}

const info = <A>(client: Client<A>) => ({ id: client.id, subscriptions: [...client.subscriptions().keys()] });

/** Answers one `realtime` op: `[method, clientId, ...args]`. */
export function realtimeOp(app: App, handles: AppHandles, args: unknown[]): unknown {
  const broker = getRealtimeBroker(app);
  const [method, id, ...rest] = args;
  switch (method) {
    case "clients":
      return broker.clients().map(info);
    case "total":
      return broker.size;
    case "client": {
      const client = broker.client(str(id));
      return client ? info(client) : null;
    }
    default:
      break;
  }
  const client = broker.client(str(id)) ?? handedOut.get(str(id))?.deref();
  if (method === "isDiscarded") return client?.isDiscarded ?? true;
  // a client that went away meanwhile: acting on it does nothing, as on a discarded Go client
  if (!client) return method === "subscriptions" ? [] : null;
  switch (method) {
    case "subscriptions":
      return [...client.subscriptions().keys()];
    case "subscribe":
      client.subscribe(...(rest[0] as unknown[]).map((s) => str(s)));
      return null;
    case "unsubscribe":
      client.unsubscribe(...(rest[0] as unknown[]).map((s) => str(s)));
      return null;
    case "send":
      client.send({ name: str(rest[0]), data: str(rest[1]) });
      return null;
    case "get":
      return encodeValue(str(rest[0]) === "auth" ? (client.auth ?? null) : client.get(str(rest[0])), handles);
    case "set":
      client.set(str(rest[0]), rest[1]);
      return null;
    case "unset":
      client.unset(str(rest[0]));
      return null;
    case "discard":
      broker.unregister(client.id);
      return null;
    default:
      throw new Error(`unknown realtime operation ${str(method)}`);
  }
}
