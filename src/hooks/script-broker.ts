/**
 * `$app.subscriptionsBroker()` as scripts see it (PocketBase's subscriptions.Broker and Client):
 * the connected realtime clients, each with its id, subscriptions, store (`get("auth")` is its
 * auth record) and `send(new SubscriptionMessage({name, data}))`. The clients live on the main
 * thread; every call goes there as a `realtime` op (main-realtime.ts), so a script always sees
 * the current clients.
 */
import { bytesOf } from "./globals/bytes.ts";
import { GoError } from "./globals/errors.ts";
import { str } from "./text.ts";
import type { WorkerChannel } from "./worker-channel.ts";
import { decode, type ScriptModels } from "./worker-codec.ts";

type Obj = { [key: string]: unknown };

/** What the main thread tells of one client (see main-realtime.ts). */
export interface ClientInfo {
  id: string;
  subscriptions: string[];
}

/** The text of a message's data (bytes, a string, or anything JSON). */
function messageData(data: unknown): string {
  if (typeof data === "string") return data;
  const bytes = bytesOf(data);
  if (bytes) return bytes.toString("utf8");
  if (Array.isArray(data) && data.every((n) => typeof n === "number"))
    return Buffer.from(data).toString("utf8");
  return JSON.stringify(data ?? null);
}

/** A script's handle on one realtime client (by id; its state stays on the main thread). */
export function scriptClient(channel: WorkerChannel, models: () => ScriptModels, info: ClientInfo): Obj {
  const call = (method: string, ...args: unknown[]) => channel.call("realtime", [method, info.id, ...args]);
  return {
    id: () => info.id,
    subscriptions: (...prefixes: unknown[]) => {
      const subs = call("subscriptions") as string[];
      const wanted = prefixes.map((p) => str(p));
      const out: Obj = {};
      for (const s of subs) if (wanted.length === 0 || wanted.some((p) => s.startsWith(p))) out[s] = {};
      return out;
    },
    hasSubscription: (sub: unknown) => (call("subscriptions") as string[]).includes(str(sub)),
    subscribe: (...subs: unknown[]) =>
      void call(
        "subscribe",
        subs.map((s) => str(s)),
      ),
    unsubscribe: (...subs: unknown[]) =>
      void call(
        "unsubscribe",
        subs.map((s) => str(s)),
      ),
    send: (message: unknown) => {
      const m = (message ?? {}) as Obj;
      call("send", str(m.name), messageData(m.data));
    },
    get: (key: unknown) => decode(call("get", str(key)), models()),
    set: (key: unknown, value: unknown) => void call("set", str(key), value),
    unset: (key: unknown) => void call("unset", str(key)),
    discard: () => void call("discard"),
    isDiscarded: () => call("isDiscarded") as boolean,
    channel: () => {
      throw new Error("not supported in Satchel: client.channel(); send messages with client.send(message)");
    },
  };
}

/** `$app.subscriptionsBroker()`. */
export function scriptBroker(channel: WorkerChannel, models: () => ScriptModels): Obj {
  const list = () =>
    (channel.call("realtime", ["clients", ""]) as ClientInfo[]).map((info) =>
      scriptClient(channel, models, info),
    );
  return {
    /** The clients by id (iterate with `for (let id in clients)`). */
    clients: () => {
      const out: Obj = {};
      for (const c of list()) out[(c.id as () => string)()] = c;
      return out;
    },
    chunkedClients: (size: unknown) => {
      const n = Math.max(1, Math.trunc(Number(size)) || 1);
      const all = list();
      const chunks: Obj[][] = [];
      for (let i = 0; i < all.length; i += n) chunks.push(all.slice(i, i + n));
      return chunks;
    },
    totalClients: () => channel.call("realtime", ["total", ""]) as number,
    clientById: (id: unknown) => {
      const info = channel.call("realtime", ["client", str(id)]) as ClientInfo | null;
      if (!info) throw new GoError("no client associated with connection ID", 404);
      return scriptClient(channel, models, info);
    },
    unregister: (id: unknown) => void channel.call("realtime", ["discard", str(id)]),
    register: () => {
      throw new Error(
        "not supported in Satchel: subscriptionsBroker().register(); clients connect through /api/realtime",
      );
    },
  };
}
