/**
 * Record events for realtime clients (§9): every committed create, update and delete of a
 * record of a non-view collection goes to the clients subscribed to its collection
 * (`posts/*`, `<collectionId>/*`, legacy `posts`: listRule) or to the record itself
 * (`posts/<id>`, `<collectionId>/<id>`: viewRule), each subscription checked with its own
 * client's auth and options (`filter`, `expand`, `fields`, `headers`), and each message named
 * by the exact subscription string with the data `{"record":…,"action":…}`.
 *
 * How it runs (PocketBase's apis/realtime.go, reorganised for many clients):
 *
 * - Create and update: `onModelAfterCreateSuccess` / `onModelAfterUpdateSuccess` (after the
 *   commit, never for a rolled-back write) take a snapshot of the record and queue the fan-out
 *   on one promise chain per app, so the write request never waits for it and events reach
 *   every client in commit order.
 * - Delete: access is evaluated in `onModelDelete`, before the row is gone, against the
 *   committed state (the app outside the transaction), and the messages are kept until
 *   `onModelAfterDeleteSuccess` queues them on the chain (`onModelAfterDeleteError` drops them).
 * - Rules and filters are evaluated against the snapshot (the record's values as they were when
 *   the event happened, as a one-row CTE standing in for the table; relations, back-relations
 *   and `@collection` still reach the real tables), so a fan-out that runs a little later, e.g.
 *   after the next write already changed the row, still decides on the state of its own event.
 * - Subscriptions are grouped by what decides their outcome (see `recordDeliveries`): access
 *   once per rule, options and, only when the rule or filter can depend on it, auth; the record
 *   JSON once per options and visibility class and, only when it can depend on it (auth
 *   collections, expand, `onRecordEnrich` handlers), auth. Clients that get the same bytes for
 *   the same subscription string share one message object, which the transports frame once.
 * - Sending never blocks (each client has a bounded queue) and yields to the event loop every
 *   1000 clients.
 */
import type { App } from "../core/app.ts";
import { SUPERUSERS, type Collection } from "../core/collections/collection-model.ts";
import type { ModelErrorEvent, ModelEvent, RequestInfo } from "../core/hook-events.ts";
import { enrichRecords, recordsToJson } from "../core/records/record-enrich.ts";
import { RecordFieldResolver } from "../core/records/record-field-resolver.ts";
import { buildRecordFilter } from "../core/records/record-rule.ts";
import { Record as RecordModel, type AuthRecord } from "../core/records/record.ts";
import { sqliteDialect } from "../query/dialect.ts";
import { FilterCache } from "../query/filter-cache.ts";
import { joinSql, param, raw, sql, type SqlFragment, type SqlValue } from "../query/sql.ts";
import type { Broker } from "../realtime/broker.ts";
import type { Client, Message } from "../realtime/client.ts";
import type { SubscriptionOptions } from "../realtime/subscription.ts";
import { encodeJson } from "../tools/json.ts";
import { pickFields } from "../tools/picker.ts";
import { getRealtimeBroker, subscriptionRequestInfo } from "./realtime.ts";

/** The action of a record event. */
export type RecordAction = "create" | "update" | "delete";

/** Which of the collection's rules guards a subscription. */
type RuleKind = "list" | "view";

/** One message and the clients it goes to. */
export interface Delivery {
  message: Message;
  clients: Client<AuthRecord>[];
}

/** The realtime record events of one app (shared by its transaction apps, keyed by hooks). */
interface FanoutState {
  /** An app outside any transaction, for the queries (transaction apps die with their commit). */
  rootApp: App | null;
  /** The fan-outs, one after the other, in commit order. */
  chain: Promise<void>;
  /** Delete messages computed before the row went, waiting for the commit. */
  pendingDeletes: WeakMap<RecordModel, Delivery[]>;
}

/** The record a model event is about, when it is one realtime cares about. */
function eventRecord(e: ModelEvent): RecordModel | null {
  const model = e.model;
  if (!(model instanceof RecordModel)) return null;
  return model.collection.type === "view" ? null : model;
}

/** An app to run the fan-out's queries on: the root app when known. */
function queryApp(state: FanoutState, app: App): App {
  if (!app.isTransactional) state.rootApp = app;
  return state.rootApp ?? app;
}

function logError(app: App, err: unknown): void {
  if (app.isDev) console.error("realtime (record events):", err);
}

/**
 * Binds the record events of an app (once per hook set). Called by the realtime state when it
 * is created (src/api/realtime.ts), after the auth sync, so that a fan-out sees the clients'
 * auth as updated by the same write.
 */
export function bindRealtimeRecordEvents(app: App): void {
  if (app.store().has("@realtimeRecordEvents")) return;
  const state: FanoutState = {
    rootApp: app.isTransactional ? null : app,
    chain: Promise.resolve(),
    pendingDeletes: new WeakMap(),
  };
  app.store().set("@realtimeRecordEvents", state);

  const enqueue = (app: App, job: () => Promise<void>): void => {
    state.chain = state.chain.then(job).catch((err: unknown) => logError(app, err));
  };

  const afterSave = (action: "create" | "update") => async (e: ModelEvent) => {
    const record = eventRecord(e);
    if (record && getRealtimeBroker(e.app).size > 0) {
      const app = queryApp(state, e.app);
      // The values as committed: the caller may change (and save) the same object again.
      const snapshot = freshCopy(record);
      enqueue(app, async () => {
        // The write's response goes out first.
        await nextTurn();
        await sendAll(await recordDeliveries(app, action, snapshot));
      });
    }
    await e.next();
  };

  app.hooks.onModelAfterCreateSuccess.bind({
    id: "__pbRealtimeRecordCreate__",
    priority: -99,
    func: afterSave("create"),
  });
  app.hooks.onModelAfterUpdateSuccess.bind({
    id: "__pbRealtimeRecordUpdate__",
    priority: -99,
    func: afterSave("update"),
  });
  // With no client connected the delete handlers only continue the chain (cascades then
  // delete in bulk, record-cascade.ts).
  const noClients = (): boolean => getRealtimeBroker(app).size === 0;
  app.hooks.onModelDelete.bind({
    id: "__pbRealtimeRecordDelete__",
    priority: -99,
    idle: noClients,
    func: async (e: ModelEvent) => {
      const record = eventRecord(e);
      if (record && getRealtimeBroker(e.app).size > 0) {
        // Before the row goes, outside the transaction (PocketBase's "dry cache").
        const app = queryApp(state, e.app);
        try {
          state.pendingDeletes.set(record, await recordDeliveries(app, "delete", freshCopy(record)));
        } catch (err) {
          logError(app, err);
        }
      }
      await e.next();
    },
  });
  app.hooks.onModelAfterDeleteSuccess.bind({
    id: "__pbRealtimeRecordDeleteSuccess__",
    priority: -99,
    idle: noClients,
    func: async (e: ModelEvent) => {
      const record = eventRecord(e);
      const deliveries = record ? state.pendingDeletes.get(record) : undefined;
      if (record && deliveries) {
        state.pendingDeletes.delete(record);
        enqueue(e.app, async () => {
          await nextTurn();
          await sendAll(deliveries);
        });
      }
      await e.next();
    },
  });
  app.hooks.onModelAfterDeleteError.bind({
    id: "__pbRealtimeRecordDeleteError__",
    priority: -99,
    idle: noClients,
    func: async (e: ModelErrorEvent) => {
      const record = eventRecord(e);
      if (record) state.pendingDeletes.delete(record);
      await e.next();
    },
  });
}

/** Subscription groups (each a rule/filter query) evaluated between two yields to the event loop. */
const ACCESS_CHUNK = 16;

/** Clients handed a message between two yields to the event loop. */
const SEND_CHUNK = 1000;

/** Resolves on the next turn of the event loop (after pending I/O callbacks). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Hands the messages to the clients' queues (never blocks: a client that cannot keep up is
 * dropped by its queue), yielding to the event loop every SEND_CHUNK clients so that a large
 * fan-out doesn't hold up the requests that arrive meanwhile.
 */
async function sendAll(deliveries: readonly Delivery[]): Promise<void> {
  let sent = 0;
  for (const delivery of deliveries) {
    for (const client of delivery.clients) {
      client.send(delivery.message);
      if (++sent % SEND_CHUNK === 0) await nextTurn();
    }
  }
}

/** A detached copy of a record's field values (no expand, no unsaved state). */
function freshCopy(record: RecordModel, collection = record.collection): RecordModel {
  const copy = new RecordModel(collection);
  for (const [field, value] of record.entries()) copy.set(field.name, value);
  copy.markAsStored();
  return copy;
}

// ---- the fan-out ---------------------------------------------------------------------------

/** Subscriptions whose access is decided together. */
interface AccessGroup {
  kind: RuleKind;
  /** A client of the group and one of its subscriptions: their request info stands for all. */
  client: Client<AuthRecord>;
  subscription: string;
  options: SubscriptionOptions;
  members: Member[];
}

/** One subscription of one client. */
interface Member {
  client: Client<AuthRecord>;
  subscription: string;
  /** Subscriptions with the same output key get the same record JSON. */
  outputKey: string;
}

function isSuperuserAuth(auth: AuthRecord | null): boolean {
  return auth?.collection.name === SUPERUSERS;
}

const AUTH_REFERENCE = /@request\.auth\b/;
/**
 * A client filter that may reach another collection (a relation path, a back-relation,
 * `@request.*`/`@collection.*`): its joins go through the targets' listRules, which may depend
 * on the auth (§5.4). A filter on the record's own fields only doesn't.
 */
const FILTER_MAY_JOIN = /[.@]|_via_/;

/**
 * The topics of a record event with the rule that guards each (PocketBase's
 * subscriptionRuleMap): record topics by name and id, collection topics by name and id, and
 * the legacy bare collection topics.
 */
function eventTopics(collection: Collection, recordId: string): [string, RuleKind][] {
  const topics = new Map<string, RuleKind>([
    [`${collection.name}/${recordId}`, "view"],
    [`${collection.id}/${recordId}`, "view"],
    [`${collection.name}/*`, "list"],
    [`${collection.id}/*`, "list"],
    [collection.name, "list"],
    [collection.id, "list"],
  ]);
  return [...topics];
}

/** Who a client is, for grouping: `G` for guests, else `S`/`A` + collection id + record id. */
function identity(auth: AuthRecord | null, superuser: boolean): string {
  return auth ? `${superuser ? "S" : "A"}${auth.collection.id}/${auth.id}` : "G";
}

/**
 * The messages of one record event: which subscriptions of which clients get it, and what.
 * `record` is a detached snapshot; it is not modified. `broker` is the app's by default.
 *
 * Two groupings keep the work proportional to what can differ rather than to the number of
 * clients. Access (rule + filter) is evaluated once per rule kind, options and, only when the
 * rule mentions `@request.auth` or the filter may join other collections (whose listRules
 * apply), per auth. The record JSON is built once per options and visibility
 * class (superuser or not) and, only when it can depend on the requester (auth collections'
 * email visibility, expand, `onRecordEnrich` handlers), per auth.
 */
export async function recordDeliveries(
  app: App,
  action: RecordAction,
  record: RecordModel,
  broker: Broker<AuthRecord> = getRealtimeBroker(app),
): Promise<Delivery[]> {
  // The collection as it is now (rules, hidden fields, manageRule), even when the record object
  // was loaded before a change of its collection.
  const current = app.findCollectionByNameOrId(record.collection.id);
  if (current && current !== record.collection) record = freshCopy(record, current);
  const collection = record.collection;
  const outputDependsOnAuthAlways = app.hooks.onRecordEnrich.length > 0 || collection.type === "auth";

  // Per (rule kind, options suffix): whether the client's auth can change access / output.
  const dependence = new Map<string, { access: boolean; output: boolean }>();
  const dependsOnAuth = (kind: RuleKind, suffix: string, options: SubscriptionOptions) => {
    const key = kind + suffix;
    let depends = dependence.get(key);
    if (!depends) {
      const rule = kind === "list" ? collection.listRule : collection.viewRule;
      depends = {
        access:
          (rule !== null && AUTH_REFERENCE.test(rule)) || FILTER_MAY_JOIN.test(options.query.filter ?? ""),
        output: outputDependsOnAuthAlways || (options.query.expand ?? "").trim() !== "",
      };
      dependence.set(key, depends);
    }
    return depends;
  };

  const groups = new Map<string, AccessGroup>();
  for (const [topic, kind] of eventTopics(collection, record.id)) {
    const rule = kind === "list" ? collection.listRule : collection.viewRule;
    for (const client of broker.clientsForTopic(topic)) {
      const auth = client.auth;
      const superuser = isSuperuserAuth(auth);
      // A locked rule lets superusers only through: nothing to evaluate for the others.
      if (rule === null && !superuser) continue;
      for (const subscription of client.subscriptionsForTopic(topic)) {
        const options = client.subscriptionOptions(subscription);
        if (!options) continue;
        const suffix = subscription.slice(topic.length);
        const depends = dependsOnAuth(kind, suffix, options);
        const accessKey = `${kind}\n${depends.access ? identity(auth, superuser) : superuser ? "S" : "*"}\n${suffix}`;
        const outputKey = `${depends.output ? identity(auth, superuser) : superuser ? "S" : "*"}\n${suffix}`;
        let group = groups.get(accessKey);
        if (!group) {
          group = { kind, client, subscription, options, members: [] };
          groups.set(accessKey, group);
        }
        group.members.push({ client, subscription, outputKey });
      }
    }
  }

  const deliveries: Delivery[] = [];
  if (groups.size === 0) return deliveries;
  const snapshot = recordSnapshot(app, record);
  const outputs = new Map<string, string>();
  const byMessage = new Map<string, Delivery>();
  const byContent = new Map<string, Delivery>();
  let evaluated = 0;
  for (const group of groups.values()) {
    // Each group may run a rule or filter query: yield now and then so that requests (the
    // next write among them) keep flowing while a large fan-out is computed.
    if (++evaluated % ACCESS_CHUNK === 0) await nextTurn();
    try {
      if (!(await groupMayAccess(app, snapshot, group))) continue;
    } catch (err) {
      // A rule or filter that cannot be evaluated hides the record, as a failing one does.
      logError(app, err);
      continue;
    }
    let last: Delivery | undefined;
    let lastKey = "";
    for (const member of group.members) {
      const messageKey = `${member.outputKey}\n${member.subscription}`;
      if (last && messageKey === lastKey) {
        last.clients.push(member.client);
        continue;
      }
      let delivery = byMessage.get(messageKey);
      if (!delivery) {
        let data = outputs.get(member.outputKey);
        if (data === undefined) {
          data = await recordMessageData(app, action, record, member.client, member.subscription);
          outputs.set(member.outputKey, data);
        }
        // Different output keys may still come to the same bytes: one message object then.
        const contentKey = `${member.subscription}\n${data}`;
        delivery = byContent.get(contentKey);
        if (!delivery) {
          delivery = { message: { name: member.subscription, data }, clients: [] };
          byContent.set(contentKey, delivery);
          deliveries.push(delivery);
        }
        byMessage.set(messageKey, delivery);
      }
      delivery.clients.push(member.client);
      last = delivery;
      lastKey = messageKey;
    }
  }
  return deliveries;
}

/** Whether the subscriptions of a group may see the event (rule, then filter). */
async function groupMayAccess(app: App, snapshot: RecordSnapshot, group: AccessGroup): Promise<boolean> {
  const info = subscriptionRequestInfo(group.client, group.subscription);
  if (!info) return false;
  const collection = snapshot.collection;
  const rule = group.kind === "list" ? collection.listRule : collection.viewRule;
  const filter = group.options.query.filter ?? "";
  return canAccessSnapshot(app, snapshot, rule, filter, info, isSuperuserAuth(info.auth));
}

/**
 * The data of a record message for one subscription: `{"record":…,"action":…}` with a fresh
 * copy of the record, expanded, enriched and exported for the subscription's client, and its
 * `fields` picked.
 */
async function recordMessageData(
  app: App,
  action: RecordAction,
  record: RecordModel,
  client: Client<AuthRecord>,
  subscription: string,
): Promise<string> {
  const info = subscriptionRequestInfo(client, subscription) ?? {
    query: {},
    headers: {},
    body: {},
    auth: client.auth,
    method: "GET",
    context: "realtime",
  };
  // A fresh copy each time: expand and onRecordEnrich handlers change the record.
  const copy = freshCopy(record);
  const ctx = { requestInfo: info, isSuperuser: isSuperuserAuth(info.auth) };
  await enrichRecords(app, [copy], info.query.expand ?? "", ctx);
  const [json] = await recordsToJson(app, [copy], ctx);
  const fields = info.query.fields ?? "";
  return encodeJson({ record: fields.trim() ? pickFields(json, fields) : json, action });
}

// ---- access checks against a snapshot ------------------------------------------------------

/** A record as it was at its event, as a one-row CTE to evaluate rules against. */
export interface RecordSnapshot {
  collection: Collection;
  /** The name of the CTE (the collection's name plus a suffix no collection has). */
  cte: string;
  /** `WITH <cte> AS (SELECT ? AS col, …)`, the record's values bound. */
  with: SqlFragment;
}

/** Builds the CTE of a record's current values (once per event, shared by every check). */
export function recordSnapshot(app: App, record: RecordModel): RecordSnapshot {
  const collection = record.collection;
  const q = (name: string): SqlFragment => raw(sqliteDialect.quoteIdentifier(name));
  // The CTE must not shadow a real table a join may need.
  let cte = `${collection.name}__pb_realtime`;
  for (let n = 2; app.findCollectionByNameOrId(cte) !== null; n++)
    cte = `${collection.name}__pb_realtime${n}`;
  const columns = record.dbValues().map(({ name, value }) => sql`${param(toSqlValue(value))} AS ${q(name)}`);
  return { collection, cte, with: sql`WITH ${q(cte)} AS (SELECT ${joinSql(columns, ", ")})` };
}

function toSqlValue(value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "string") return value;
  return JSON.stringify(value);
}

/** Parsed rules and filters (the same few strings come back with every event). */
const filterCache = new FilterCache(500);

/**
 * Whether the subscription may see the record: the rule (null → superusers only, `""` →
 * everyone, superusers bypass it) and then the subscription's `filter`, evaluated like a client
 * `?filter=` (no `@request`/`@collection` for non-superusers, joins through the targets'
 * listRules) and, as PocketBase does, without hidden fields even for superusers. Both run against the snapshot as a one-row CTE named after the
 * collection, so the record's own fields are read as they were at the event.
 */
export async function canAccessSnapshot(
  app: App,
  snapshot: RecordSnapshot,
  rule: string | null,
  filter: string,
  requestInfo: RequestInfo,
  isSuperuser: boolean,
): Promise<boolean> {
  if (!isSuperuser && rule === null) return false;
  const checkRule = !isSuperuser && rule !== null && rule.trim() !== "";
  const checkFilter = filter.trim() !== "";
  if (!checkRule && !checkFilter) return true;

  const d = sqliteDialect;
  const q = (name: string): SqlFragment => raw(d.quoteIdentifier(name));
  const base = {
    findCollection: (nameOrId: string): Collection | null => app.findCollectionByNameOrId(nameOrId),
    collection: snapshot.collection,
    requestInfo,
    dialect: d,
    table: snapshot.cte,
    cache: filterCache,
  };
  const rules = new RecordFieldResolver({ ...base, allowHiddenFields: true, isClientFilter: false });
  const conditions: SqlFragment[] = [];
  if (checkRule) {
    const ruleMode = { isClientFilter: false, allowHiddenFields: true };
    conditions.push(buildRecordFilter({ ...base, ...ruleMode, filter: rule, resolver: rules }).where);
  }
  if (checkFilter) {
    // As PocketBase (apis/realtime.go): the filter's resolver never allows hidden fields, not
    // even for superusers; only superusers may use `@request.*` / `@collection.*`.
    const mode = { isClientFilter: !isSuperuser, allowHiddenFields: false };
    const client = new RecordFieldResolver({ ...base, ...mode, shareJoinsWith: rules });
    conditions.push(buildRecordFilter({ ...base, ...mode, filter, resolver: client }).where);
  }
  const from = joinSql([sql`FROM ${q(snapshot.cte)} ${q(rules.alias)}`, ...rules.joins()], " ");
  const statement = sql`${snapshot.with} SELECT 1 AS ok ${from} WHERE ${joinSql(conditions, " AND ")} LIMIT 1`;
  return (await app.db.get(statement.sql, [...statement.params])) !== undefined;
}
