/**
 * The event types passed through the app's hook chains. Request events carry a web-standard
 * Request and a transport-neutral response slot, so `core/` never depends on the HTTP
 * framework: the API layer fills them in and turns `e.response` into the reply.
 */
import { HookEvent, type TaggedEvent } from "../tools/hook.ts";
import type { App } from "./app.ts";
import type { Collection } from "./collections/collection-model.ts";
import type { Settings } from "./settings/settings-model.ts";
import type { AuthRecord, Record as RecordModel } from "./records/record.ts";
import type { Client as RealtimeClient, Message as RealtimeMessage } from "../realtime/client.ts";
import type { MailMessage, Mailer } from "./mails/mailer.ts";
import type { AuthUser, ProviderConfig } from "../auth/oauth2/provider.ts";
import type { FileField } from "./fields/file.ts";

/** An event that knows its app. */
export class AppEvent extends HookEvent {
  app: App;
  constructor(app: App) {
    super();
    this.app = app;
  }
}

/** onBootstrap: the app is being initialised (databases opened, settings loaded). */
export class BootstrapEvent extends AppEvent {}

/**
 * A dashboard extension (PocketBase's experimental `UIExtension`): the files of `dir` are served
 * under `/_/extensions/<name>/`, and its `main.js` runs in the dashboard before its router starts.
 */
export interface UIExtension {
  name: string;
  /** A folder on disk (relative paths resolve from the working directory). */
  dir: string;
}

/** onServe: the HTTP server is about to start listening. */
export class ServeEvent extends AppEvent {
  /** The API layer's router (a Hono app); typed loosely so core stays framework-free. */
  router: unknown;
  /** The address the server will listen on. */
  address: string;
  /** Dashboard extensions; handlers push to it (read on every request, so later pushes count). */
  uiExtensions: UIExtension[] = [];
  constructor(app: App, router: unknown, address: string) {
    super(app);
    this.router = router;
    this.address = address;
  }
}

/** onTerminate: the app is shutting down. */
export class TerminateEvent extends AppEvent {
  isRestart: boolean;
  constructor(app: App, isRestart = false) {
    super(app);
    this.isRestart = isRestart;
  }
}

/** onSettingsReload: settings were saved or reloaded. */
export class SettingsReloadEvent extends AppEvent {}

/** The kinds of model operations. */
export type ModelEventType = "create" | "update" | "delete" | "validate";

/** The settings as a stored model (the `settings` row of `_params`). */
export interface ParamsModel {
  readonly tableName: "_params";
  readonly id: "settings";
  value: Settings;
}

/** Something stored in a table: a collection, a record or the settings. */
export type Model = Collection | RecordModel | ParamsModel;

/** Model-level events (tagged by table name). */
export class ModelEvent extends AppEvent implements TaggedEvent {
  model: Model;
  type: ModelEventType;
  /** Free-form context, like Go's context.Context values. */
  context: Record<string, unknown>;
  constructor(app: App, model: Model, type: ModelEventType, context: Record<string, unknown> = {}) {
    super(app);
    this.model = model;
    this.type = type;
    this.context = context;
  }
  tags(): readonly string[] {
    const model = this.model;
    if ("tableName" in model) return [model.tableName];
    return "collection" in model ? [model.collection.id, model.collection.name] : ["_collections"];
  }
}

/** A failed model operation (the after-error hooks). */
export class ModelErrorEvent extends ModelEvent {
  error: unknown;
  constructor(
    app: App,
    model: Model,
    type: ModelEventType,
    error: unknown,
    context: Record<string, unknown> = {},
  ) {
    super(app, model, type, context);
    this.error = error;
  }
}

/** Collection-level events (tagged by collection id and name). */
export class CollectionEvent extends AppEvent implements TaggedEvent {
  collection: Collection;
  type: ModelEventType;
  context: Record<string, unknown>;
  constructor(app: App, collection: Collection, type: ModelEventType, context: Record<string, unknown> = {}) {
    super(app);
    this.collection = collection;
    this.type = type;
    this.context = context;
  }
  tags(): readonly string[] {
    return [this.collection.id, this.collection.name];
  }
}

/** A failed collection operation. */
export class CollectionErrorEvent extends CollectionEvent {
  error: unknown;
  constructor(
    app: App,
    collection: Collection,
    type: ModelEventType,
    error: unknown,
    context: Record<string, unknown> = {},
  ) {
    super(app, collection, type, context);
    this.error = error;
  }
}

/** Record-level events (tagged by collection id and name). */
export class RecordEvent extends AppEvent implements TaggedEvent {
  record: RecordModel;
  type: ModelEventType;
  context: Record<string, unknown>;
  constructor(app: App, record: RecordModel, type: ModelEventType, context: Record<string, unknown> = {}) {
    super(app);
    this.record = record;
    this.type = type;
    this.context = context;
  }
  tags(): readonly string[] {
    return [this.record.collection.id, this.record.collection.name];
  }
}

/** A failed record operation. */
export class RecordErrorEvent extends RecordEvent {
  error: unknown;
  constructor(
    app: App,
    record: RecordModel,
    type: ModelEventType,
    error: unknown,
    context: Record<string, unknown> = {},
  ) {
    super(app, record, type, context);
    this.error = error;
  }
}

/** What `@request.*` and hooks see of a request (§0). */
export interface RequestInfo {
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  auth: AuthRecord | null;
  method: string;
  context: string;
}

/** What every request event is built from: app, request, auth, request info and client IP. */
export type RequestEventArgs = [
  app: App,
  request: Request,
  auth: AuthRecord | null,
  info: () => RequestInfo,
  realIP: string,
];

/**
 * The fields a request event is constructed with: the required ones (no default) and any of
 * the others. Events are constructed complete, never filled in after `new`.
 */
type Init<E, Required extends keyof E, Optional extends keyof E = never> = Pick<E, Required> &
  Partial<Pick<E, Optional>>;

/**
 * The base of request hooks, built by the API layer with the request, its auth and its info; a
 * handler may answer itself by setting `response` (e.g. with `e.json(…)`) and not calling `next()`.
 */
export class RequestEvent extends AppEvent {
  request: Request;
  auth: AuthRecord | null;
  response: Response | undefined = undefined;
  #info: () => RequestInfo;
  #realIP: string;

  constructor(...[app, request, auth, info, realIP]: RequestEventArgs) {
    super(app);
    this.request = request;
    this.auth = auth;
    this.#info = info;
    this.#realIP = realIP;
  }

  /** `{query, headers, body, auth, method, context}` of the request. */
  requestInfo(): RequestInfo {
    return this.#info();
  }

  /** The client IP (after trusted-proxy resolution). */
  realIP(): string {
    return this.#realIP;
  }

  /** Whether the request is authenticated as a superuser. */
  hasSuperuserAuth(): boolean {
    return this.auth?.collection.name === "_superusers";
  }

  /** Answers with a JSON body (Go encoding rules applied by the API layer). */
  json(status: number, data: unknown): void {
    this.response = new Response(JSON.stringify(data), {
      status,
      headers: { "content-type": "application/json" },
    });
  }

  /** Answers with no content. */
  noContent(status = 204): void {
    this.response = new Response(null, { status });
  }
}

/** A request event scoped to one collection: its hooks can be tagged by collection id or name. */
export class CollectionScopedRequestEvent extends RequestEvent implements TaggedEvent {
  collection: Collection;
  constructor(base: RequestEventArgs, fields: Init<CollectionScopedRequestEvent, "collection">) {
    super(...base);
    this.collection = fields.collection;
  }
  tags(): readonly string[] {
    return this.collection ? [this.collection.id, this.collection.name] : [];
  }
}

/** onCollectionsListRequest. */
export class CollectionsListRequestEvent extends RequestEvent {
  collections: Collection[] = [];
  result: unknown = null;
  constructor(
    base: RequestEventArgs,
    fields: Init<CollectionsListRequestEvent, never, "collections" | "result"> = {},
  ) {
    super(...base);
    Object.assign(this, fields);
  }
}

/** onCollectionViewRequest / Create / Update / Delete. */
export class CollectionRequestEvent extends RequestEvent {
  collection: Collection;
  constructor(base: RequestEventArgs, fields: Init<CollectionRequestEvent, "collection">) {
    super(...base);
    this.collection = fields.collection;
  }
}

/** onCollectionsImportRequest. */
export class CollectionsImportRequestEvent extends RequestEvent {
  collectionsData: Record<string, unknown>[] = [];
  deleteMissing = false;
  constructor(
    base: RequestEventArgs,
    fields: Init<CollectionsImportRequestEvent, never, "collectionsData" | "deleteMissing"> = {},
  ) {
    super(...base);
    Object.assign(this, fields);
  }
}

/** onSettingsListRequest. */
export class SettingsListRequestEvent extends RequestEvent {
  settings: Settings;
  constructor(base: RequestEventArgs, fields: Init<SettingsListRequestEvent, "settings">) {
    super(...base);
    this.settings = fields.settings;
  }
}

/** onSettingsUpdateRequest. */
export class SettingsUpdateRequestEvent extends RequestEvent {
  oldSettings: Settings;
  newSettings: Settings;
  constructor(
    base: RequestEventArgs,
    fields: Init<SettingsUpdateRequestEvent, "oldSettings" | "newSettings">,
  ) {
    super(...base);
    this.oldSettings = fields.oldSettings;
    this.newSettings = fields.newSettings;
  }
}

/** onRecordAuthRequest: an auth response is about to be sent. */
export class RecordAuthRequestEvent extends CollectionScopedRequestEvent {
  record: AuthRecord;
  token = "";
  meta: unknown = null;
  authMethod = "";
  constructor(
    base: RequestEventArgs,
    fields: Init<RecordAuthRequestEvent, "collection" | "record", "token" | "meta" | "authMethod">,
  ) {
    super(base, fields);
    this.record = fields.record;
    Object.assign(this, fields);
  }
}

/** onRecordAuthWithPasswordRequest. */
export class RecordAuthWithPasswordRequestEvent extends CollectionScopedRequestEvent {
  record: AuthRecord | null = null;
  identity = "";
  identityField = "";
  password = "";
  constructor(
    base: RequestEventArgs,
    fields: Init<
      RecordAuthWithPasswordRequestEvent,
      "collection",
      "record" | "identity" | "identityField" | "password"
    >,
  ) {
    super(base, fields);
    Object.assign(this, fields);
  }
}

/** onRecordAuthRefreshRequest. */
export class RecordAuthRefreshRequestEvent extends CollectionScopedRequestEvent {
  record: AuthRecord;
  constructor(base: RequestEventArgs, fields: Init<RecordAuthRefreshRequestEvent, "collection" | "record">) {
    super(base, fields);
    this.record = fields.record;
  }
}

/** onRecordsListRequest: a page of records is about to be sent. */
export class RecordsListRequestEvent extends CollectionScopedRequestEvent {
  records: RecordModel[] = [];
  result: {
    items: RecordModel[];
    page: number;
    perPage: number;
    totalItems: number;
    totalPages: number;
  } | null = null;
  constructor(
    base: RequestEventArgs,
    fields: Init<RecordsListRequestEvent, "collection", "records" | "result">,
  ) {
    super(base, fields);
    Object.assign(this, fields);
  }
}

/** onRecordViewRequest / Create / Update / Delete. */
export class RecordRequestEvent extends CollectionScopedRequestEvent {
  record: RecordModel;
  constructor(base: RequestEventArgs, fields: Init<RecordRequestEvent, "collection" | "record">) {
    super(base, fields);
    this.record = fields.record;
  }
}

/** onRecordEnrich: a record is about to be serialized (API responses, expand, realtime). */
export class RecordEnrichEvent extends AppEvent implements TaggedEvent {
  record: RecordModel;
  requestInfo: RequestInfo | null;
  constructor(app: App, record: RecordModel, requestInfo: RequestInfo | null) {
    super(app);
    this.record = record;
    this.requestInfo = requestInfo;
  }
  tags(): readonly string[] {
    return [this.record.collection.id, this.record.collection.name];
  }
}

// ---- mailer events ---------------------------------------------------------------------------

/** onMailerSend: any email is about to be sent (the default action sends it). */
export class MailerEvent extends AppEvent {
  mailer: Mailer;
  message: MailMessage;
  constructor(app: App, mailer: Mailer, message: MailMessage) {
    super(app);
    this.mailer = mailer;
    this.message = message;
  }
}

/**
 * onMailerRecord…Send: a record email (verification, password reset, email change, OTP, auth
 * alert) is about to be sent; tagged by the record's collection. `meta` carries the token,
 * OTP id/password or new email the message was built with.
 */
export class MailerRecordEvent extends MailerEvent implements TaggedEvent {
  record: RecordModel;
  meta: Record<string, unknown>;
  constructor(
    app: App,
    mailer: Mailer,
    message: MailMessage,
    record: RecordModel,
    meta: Record<string, unknown> = {},
  ) {
    super(app, mailer, message);
    this.record = record;
    this.meta = meta;
  }
  tags(): readonly string[] {
    return [this.record.collection.id, this.record.collection.name];
  }
}

// ---- auth flow request events (tagged by the auth collection) --------------------------------

/** The base of the auth flow request events: the auth collection and its record. */
export class RecordAuthFlowRequestEvent extends RequestEvent implements TaggedEvent {
  collection: Collection;
  constructor(base: RequestEventArgs, fields: Init<RecordAuthFlowRequestEvent, "collection">) {
    super(...base);
    this.collection = fields.collection;
  }
  tags(): readonly string[] {
    return this.collection ? [this.collection.id, this.collection.name] : [];
  }
}

/** onRecordAuthWithOTPRequest: a valid OTP was submitted. */
export class RecordAuthWithOTPRequestEvent extends RecordAuthFlowRequestEvent {
  record: AuthRecord;
  otp: RecordModel;
  constructor(
    base: RequestEventArgs,
    fields: Init<RecordAuthWithOTPRequestEvent, "collection" | "record" | "otp">,
  ) {
    super(base, fields);
    this.record = fields.record;
    this.otp = fields.otp;
  }
}

/** onRecordRequestOTPRequest: an OTP is requested (`record` is null for unknown emails). */
export class RecordCreateOTPRequestEvent extends RecordAuthFlowRequestEvent {
  record: AuthRecord | null = null;
  /** The plain OTP code that will be stored (hashed) and mailed. */
  password = "";
  constructor(
    base: RequestEventArgs,
    fields: Init<RecordCreateOTPRequestEvent, "collection", "record" | "password">,
  ) {
    super(base, fields);
    Object.assign(this, fields);
  }
}

/** onRecordRequestPasswordResetRequest. */
export class RecordRequestPasswordResetRequestEvent extends RecordAuthFlowRequestEvent {
  record: AuthRecord;
  constructor(
    base: RequestEventArgs,
    fields: Init<RecordRequestPasswordResetRequestEvent, "collection" | "record">,
  ) {
    super(base, fields);
    this.record = fields.record;
  }
}

/** onRecordConfirmPasswordResetRequest. */
export class RecordConfirmPasswordResetRequestEvent extends RecordAuthFlowRequestEvent {
  record: AuthRecord;
  constructor(
    base: RequestEventArgs,
    fields: Init<RecordConfirmPasswordResetRequestEvent, "collection" | "record">,
  ) {
    super(base, fields);
    this.record = fields.record;
  }
}

/** onRecordRequestVerificationRequest. */
export class RecordRequestVerificationRequestEvent extends RecordAuthFlowRequestEvent {
  record: AuthRecord;
  constructor(
    base: RequestEventArgs,
    fields: Init<RecordRequestVerificationRequestEvent, "collection" | "record">,
  ) {
    super(base, fields);
    this.record = fields.record;
  }
}

/** onRecordConfirmVerificationRequest. */
export class RecordConfirmVerificationRequestEvent extends RecordAuthFlowRequestEvent {
  record: AuthRecord;
  constructor(
    base: RequestEventArgs,
    fields: Init<RecordConfirmVerificationRequestEvent, "collection" | "record">,
  ) {
    super(base, fields);
    this.record = fields.record;
  }
}

/** onRecordRequestEmailChangeRequest. */
export class RecordRequestEmailChangeRequestEvent extends RecordAuthFlowRequestEvent {
  record: AuthRecord;
  newEmail = "";
  constructor(
    base: RequestEventArgs,
    fields: Init<RecordRequestEmailChangeRequestEvent, "collection" | "record", "newEmail">,
  ) {
    super(base, fields);
    this.record = fields.record;
    Object.assign(this, fields);
  }
}

/** onRecordConfirmEmailChangeRequest. */
export class RecordConfirmEmailChangeRequestEvent extends RecordAuthFlowRequestEvent {
  record: AuthRecord;
  newEmail = "";
  constructor(
    base: RequestEventArgs,
    fields: Init<RecordConfirmEmailChangeRequestEvent, "collection" | "record", "newEmail">,
  ) {
    super(base, fields);
    this.record = fields.record;
    Object.assign(this, fields);
  }
}

/**
 * onRecordAuthWithOAuth2Request: the provider's user is known and the record resolved (null for
 * a sign-up). Handlers may change `record`, `createData` or `oAuth2User` before `next()`.
 */
export class RecordAuthWithOAuth2RequestEvent extends RecordAuthFlowRequestEvent {
  providerName = "";
  /** The provider's effective configuration. */
  providerClient: ProviderConfig;
  record: AuthRecord | null = null;
  oAuth2User: AuthUser;
  /** Extra values of a sign-up (the client's `createData`). */
  createData: Record<string, unknown> = {};
  isNewRecord = false;
  constructor(
    base: RequestEventArgs,
    fields: Init<
      RecordAuthWithOAuth2RequestEvent,
      "collection" | "providerClient" | "oAuth2User",
      "providerName" | "record" | "createData" | "isNewRecord"
    >,
  ) {
    super(base, fields);
    this.providerClient = fields.providerClient;
    this.oAuth2User = fields.oAuth2User;
    Object.assign(this, fields);
  }
}

/** onRealtimeConnectRequest: a realtime client connects (SSE `GET /api/realtime` or the WebSocket endpoint). */
export class RealtimeConnectRequestEvent extends RequestEvent {
  client: RealtimeClient<AuthRecord>;
  /** Close after this many ms without a delivered message (default 5 min); read when the chain ends. */
  idleTimeout = 5 * 60_000;
  /** Close this many ms after connecting, whatever happens (default 30 min); read when the chain ends. */
  maxTimeout = 30 * 60_000;
  /** `sse` or `websocket`. */
  transport: "sse" | "websocket" = "sse";
  constructor(
    base: RequestEventArgs,
    fields: Init<RealtimeConnectRequestEvent, "client", "idleTimeout" | "maxTimeout" | "transport">,
  ) {
    super(...base);
    this.client = fields.client;
    Object.assign(this, fields);
  }
}

/** onRealtimeMessageSend: a message (PB_CONNECT included) is about to be written to a client. */
export class RealtimeMessageEvent extends RequestEvent {
  client: RealtimeClient<AuthRecord>;
  message: RealtimeMessage;
  constructor(base: RequestEventArgs, fields: Init<RealtimeMessageEvent, "client" | "message">) {
    super(...base);
    this.client = fields.client;
    this.message = fields.message;
  }
}

/** onRealtimeSubscribeRequest: a client replaces its subscriptions (and binds its auth). */
export class RealtimeSubscribeRequestEvent extends RequestEvent {
  client: RealtimeClient<AuthRecord>;
  subscriptions: string[] = [];
  constructor(
    base: RequestEventArgs,
    fields: Init<RealtimeSubscribeRequestEvent, "client", "subscriptions">,
  ) {
    super(...base);
    this.client = fields.client;
    Object.assign(this, fields);
  }
}

// ---- file request events -----------------------------------------------------------------------

/**
 * onFileDownloadRequest: a record file (or one of its thumbs) is about to be served; tagged by
 * the collection. Handlers may change `servedPath` / `servedName`, or answer themselves.
 */
export class FileDownloadRequestEvent extends RequestEvent implements TaggedEvent {
  collection: Collection;
  record: RecordModel;
  fileField: FileField;
  /** The storage key that will be served (the original, or its thumb). */
  servedPath = "";
  /** The name the file is served under (`Content-Disposition`). */
  servedName = "";
  /** Why the requested thumb could not be made (the original is served then), else null. */
  thumbError: unknown = null;
  constructor(
    base: RequestEventArgs,
    fields: Init<
      FileDownloadRequestEvent,
      "collection" | "record" | "fileField",
      "servedPath" | "servedName" | "thumbError"
    >,
  ) {
    super(...base);
    this.collection = fields.collection;
    this.record = fields.record;
    this.fileField = fields.fileField;
    Object.assign(this, fields);
  }
  tags(): readonly string[] {
    return this.collection ? [this.collection.id, this.collection.name] : [];
  }
}

/** onFileTokenRequest: a file token was issued to an auth record; tagged by its collection. */
export class FileTokenRequestEvent extends RequestEvent implements TaggedEvent {
  record: AuthRecord;
  token = "";
  constructor(base: RequestEventArgs, fields: Init<FileTokenRequestEvent, "record", "token">) {
    super(...base);
    this.record = fields.record;
    Object.assign(this, fields);
  }
  tags(): readonly string[] {
    return this.record ? [this.record.collection.id, this.record.collection.name] : [];
  }
}

/**
 * onBackupCreate / onBackupRestore: a backup named `name` is about to be created or restored.
 * `exclude` lists the top-level entries of the data folder left out of the archive (and, on a
 * restore, kept from the current folder); handlers may change both before calling `next()`.
 */
export class BackupEvent extends AppEvent {
  name = "";
  exclude: string[] = [];
}

/** One sub-request of a batch, as `onBatchRequest` handlers see (and may change) it. */
export interface BatchSubRequest {
  method: string;
  url: string;
  headers: { [name: string]: string };
  body: { [key: string]: unknown };
}

/** onBatchRequest: a batch is about to run (in one transaction) its `batch` of sub-requests. */
export class BatchRequestEvent extends RequestEvent {
  batch: BatchSubRequest[] = [];
}
