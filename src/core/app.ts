/**
 * The App: the data folder, its two databases, settings, the collections cache and the hook
 * chains. A transaction is an App too (`runInTransaction(async (txApp) => …)`): it shares
 * everything with its parent but runs SQL on the open transaction; nested calls reuse it.
 */
import { mkdirSync, accessSync, constants } from "node:fs";
import { join } from "node:path";
import { Database, printQuery, type DbExecutor, type Transaction } from "./db/database.ts";
import {
  createHooks,
  hookAccessor,
  hookCatalogue,
  type HookAccessors,
  type HookName,
  type Hooks,
} from "./hooks.ts";
import {
  BootstrapEvent,
  ModelErrorEvent,
  ModelEvent,
  SettingsReloadEvent,
  TerminateEvent,
  type ParamsModel,
} from "./hook-events.ts";
import { validateSettings } from "./settings/settings-validate.ts";
import { ValidationErrors, isEmptyErrorTree } from "../tools/validation.ts";
import type { Collection, CollectionType } from "./collections/collection-model.ts";
import { loadCollections } from "./collections/collection-store.ts";
import { bindExternalAuthSystemHooks } from "./records/record-oauth2.ts";
import { runSystemMigrations } from "./migrations/system-migrations.ts";
import { applyMissingSystemMigrations } from "./migrations/system-upgrades.ts";
import { loadSettings, saveSettings } from "./settings/settings-store.ts";
import type { Settings } from "./settings/settings-model.ts";
import type { Storage } from "../files/storage.ts";
import { LocalStorage } from "../files/local-storage.ts";
import { S3Storage } from "../files/s3-storage.ts";
import { Store } from "../tools/store.ts";
import * as finders from "./records/record-finders.ts";
import type { CollectionRef, ExpandFetch, SqlExpression } from "./records/record-finders.ts";
import type { Record } from "./records/record.ts";
import { RecordQueryBuilder } from "./records/record-query-builder.ts";
import type { FilterParams } from "../query/placeholders.ts";
import type { RequestInfo } from "./hook-events.ts";
import { deleteModel, saveModel, validateModel, type SavableModel } from "./model-persist.ts";
import { truncateCollection } from "./collections/collection-save.ts";
import { importCollectionsData } from "./collections/collection-import.ts";
import { Cron } from "../tools/cron.ts";
import { registerSystemCronJobs } from "./cron-jobs.ts";
import { bindAutoBackups } from "./backups/auto-backup.ts";
import { Logger } from "./logs/logger.ts";
import { LogWriter } from "./logs/log-writer.ts";
import { bindLogsSettings } from "./logs/logs-settings.ts";

/** How an App is configured (resolved once by the CLI). */
export interface AppConfig {
  /** The data folder (`pb_data`). */
  dataDir: string;
  /** Dev mode: verbose logs to stderr. */
  isDev?: boolean;
  /** Name of the env variable holding the settings encryption key. */
  encryptionEnv?: string;
  /** Default timeout of SELECT queries, in seconds. */
  queryTimeout?: number;
}

/** State shared by an app and the transaction apps derived from it. */
interface Shared {
  config: Required<AppConfig>;
  hooks: Hooks;
  db: Database | null;
  auxDb: Database | null;
  settings: Settings | null;
  collections: Collection[];
  collectionsByKey: Map<string, Collection>;
  /** The record files storage and the settings it was built from (see `storage()`). */
  storage: { key: string; storage: Storage } | null;
  /** Per-app state (`store()`). */
  store: Store;
  /** The scheduler (`app.cron()`), started by `serve`. */
  cron: Cron;
  /** The scheduler ran when a restart terminated the app: bootstrap starts it again. */
  resumeCron: boolean;
  /** The app logger (`app.logger()`), writing `_logs` in batches. */
  logger: Logger;
}

/** The application: one per data folder. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- hook accessors are installed on the prototype below
export class App {
  readonly #shared: Shared;
  readonly #tx: Transaction | null;
  readonly #parent: App | null;

  /**
   * Creates an app for a data folder (no I/O until `bootstrap`). `parent` and `tx` are for
   * `runInTransaction` only: the transaction view shares the parent's state.
   */
  constructor(config: AppConfig, parent?: App, tx?: Transaction) {
    if (parent && tx) {
      this.#shared = parent.#shared;
      this.#tx = tx;
      this.#parent = parent;
      return;
    }
    this.#shared = {
      config: {
        dataDir: config.dataDir,
        isDev: config.isDev ?? false,
        encryptionEnv: config.encryptionEnv ?? "",
        queryTimeout: config.queryTimeout ?? 30,
      },
      hooks: createHooks(),
      db: null,
      auxDb: null,
      settings: null,
      collections: [],
      collectionsByKey: new Map(),
      storage: null,
      resumeCron: false,
      store: new Store(),
      cron: new Cron({ onError: (id, err) => this.logger().error(`Cron job ${id} failed`, "error", err) }),
      logger: new Logger(
        { settings: () => this.#shared.settings, isDev: config.isDev ?? false },
        new LogWriter(() => (this.#shared.auxDb?.isClosed === false ? this.#shared.auxDb : null), {
          // From a thread: `_logs`' index on the message takes a random page per row, so a batch
          // costs 9 µs a row on an empty table and 25 µs (38 µs of wall time) at 150k rows, and on
          // the event loop every 200 requests stopped for up to ~8 ms (docs/performance.md,
          // "The request log, round 2").
          thread: true,
        }),
      ),
    };
    this.#tx = null;
    this.#parent = null;
  }

  /** The configuration the app was created with. */
  get config(): Readonly<Required<AppConfig>> {
    return this.#shared.config;
  }

  /** The data folder. */
  get dataDir(): string {
    return this.#shared.config.dataDir;
  }

  /** Whether dev mode is on. */
  get isDev(): boolean {
    return this.#shared.config.isDev;
  }

  /** The hook chains. */
  get hooks(): Hooks {
    return this.#shared.hooks;
  }

  /**
   * The app's key/value store (PocketBase's `app.Store()`), shared with its transaction apps:
   * per-app state lives here, not in module-level maps. Satchel's own keys start with `@`.
   */
  store(): Store {
    return this.#shared.store;
  }

  /** Whether `bootstrap` has completed (and `terminate` not yet run). */
  get isBootstrapped(): boolean {
    return this.#shared.db !== null && !this.#shared.db.isClosed;
  }

  /** SQL executor for data.db: the open transaction, or the database. */
  get db(): DbExecutor {
    if (this.#tx) return this.#tx;
    const db = this.#shared.db;
    if (!db) throw new Error("The app is not bootstrapped.");
    return db;
  }

  /** SQL executor for auxiliary.db (logs). */
  get auxDb(): DbExecutor {
    const db = this.#shared.auxDb;
    if (!db) throw new Error("The app is not bootstrapped.");
    return db;
  }

  /** Whether this app is bound to an open transaction. */
  get isTransactional(): boolean {
    return this.#tx !== null;
  }

  /** The app outside any transaction (this app when it is not transactional). */
  get nonTransactional(): App {
    return this.#parent ?? this;
  }

  /** The current settings (loaded at bootstrap). */
  settings(): Settings {
    const settings = this.#shared.settings;
    if (!settings) throw new Error("The app is not bootstrapped.");
    return settings;
  }

  /**
   * Opens the data folder: creates it when missing, opens both databases, applies pending
   * system migrations (a fresh folder gets PocketBase's schema), loads settings and
   * collections. Runs as the default handler of `onBootstrap`.
   */
  async bootstrap(): Promise<void> {
    await this.hooks.onBootstrap.trigger(new BootstrapEvent(this), async () => {
      const dir = this.dataDir;
      try {
        mkdirSync(dir, { recursive: true });
        accessSync(dir, constants.W_OK);
      } catch {
        throw new Error(`The data folder ${dir} is not writable.`);
      }
      // Dev mode prints every SQL statement with its duration (PocketBase's `--dev`).
      const trace = this.isDev ? printQuery : undefined;
      const queryTimeoutMs = this.#shared.config.queryTimeout * 1000; // heavy reads: see db/read-pool.ts
      this.#shared.db = Database.open(join(dir, "data.db"), { trace, queryTimeoutMs });
      this.#shared.auxDb = Database.open(join(dir, "auxiliary.db"), { trace, queryTimeoutMs });
      await runSystemMigrations(this);
      await this.reloadSettings();
      await this.reloadCollections();
      // a v0.23–v0.38 folder gets the system migrations PocketBase added since
      await applyMissingSystemMigrations(this);
      // System behaviour registered as ordinary (id-bound, so idempotent) hook handlers.
      bindExternalAuthSystemHooks(this);
      bindLogsSettings(this);
      registerSystemCronJobs(this);
      bindAutoBackups(this);
      // An in-process restart (backup restore) keeps the scheduler running.
      if (this.#shared.resumeCron) this.#shared.cron.start();
      this.#shared.resumeCron = false;
    });
  }

  /** Frees what the databases' connections cache (see Database.releaseMemory); for idle moments. */
  releaseMemory(): void {
    this.#shared.db?.releaseMemory();
    this.#shared.auxDb?.releaseMemory();
  }

  /** Closes the databases cleanly (waits for in-flight writes). Runs `onTerminate`. */
  async terminate(isRestart = false): Promise<void> {
    await this.hooks.onTerminate.trigger(new TerminateEvent(this, isRestart), async () => {
      this.#shared.resumeCron = isRestart && this.#shared.cron.isStarted;
      this.#shared.cron.stop();
      await this.#shared.logger.writer.close();
      await this.#shared.db?.close();
      await this.#shared.auxDb?.close();
    });
  }

  /**
   * Runs `fn` in a write transaction with a transaction-bound app; nested calls reuse the
   * transaction. Rolls back (and reloads cached collections) when `fn` throws.
   */
  async runInTransaction<T>(fn: (txApp: App) => Promise<T>): Promise<T> {
    if (this.#tx) return fn(this);
    const db = this.#shared.db;
    if (!db) throw new Error("The app is not bootstrapped.");
    try {
      return await db.transaction((tx) => fn(new App(this.config, this, tx)));
    } catch (err) {
      await this.reloadCollections();
      throw err;
    }
  }

  /**
   * Runs `fn` after the current transaction commits, or right away outside a transaction.
   * Realtime events and file deletions hang off this, never off uncommitted state.
   */
  afterCommit(fn: () => void | Promise<void>): void {
    if (this.#tx) this.#tx.onCommit(fn);
    else
      void Promise.resolve()
        .then(fn)
        .catch((err: unknown) => console.error(err));
  }

  /** The cron scheduler: built-in jobs, hooks' `cronAdd` jobs, auto backups. */
  cron(): Cron {
    return this.#shared.cron;
  }

  /** The app logger; entries land in auxiliary.db `_logs` per `settings.logs`. */
  logger(): Logger {
    return this.#shared.logger;
  }

  /**
   * Runs `fn` with the error once the current transaction has rolled back (after the write lock
   * is released); nothing outside a transaction.
   */
  afterRollback(fn: (err: unknown) => void | Promise<void>): void {
    this.#tx?.onRollback(fn);
  }

  // ---- settings ------------------------------------------------------------------------

  /** Reloads settings from `_params` (saving defaults when missing) and fires onSettingsReload. */
  async reloadSettings(): Promise<void> {
    this.#shared.settings = await loadSettings(this);
    await this.hooks.onSettingsReload.trigger(new SettingsReloadEvent(this));
  }

  /**
   * Validates and stores new settings through the model hooks (`onModelUpdate` →
   * `onModelValidate` → `onModelUpdateExecute`, then `onModelAfterUpdate…`), as PocketBase
   * saves its settings model, and reloads them. Throws ValidationErrors when invalid.
   */
  async saveSettings(settings: Settings): Promise<void> {
    const model: ParamsModel = { tableName: "_params", id: "settings", value: settings };
    try {
      // One statement: no transaction (and no lock held while the hooks run).
      await this.hooks.onModelUpdate.trigger(new ModelEvent(this, model, "update"), async (e) => {
        await e.app.hooks.onModelValidate.trigger(new ModelEvent(e.app, model, "validate"), () => {
          const errors = validateSettings(model.value);
          if (!isEmptyErrorTree(errors)) throw new ValidationErrors(errors);
        });
        await e.app.hooks.onModelUpdateExecute.trigger(new ModelEvent(e.app, model, "update"), (x) =>
          saveSettings(x.app, model.value),
        );
      });
    } catch (err) {
      await this.hooks.onModelAfterUpdateError.trigger(new ModelErrorEvent(this, model, "update", err));
      throw err;
    }
    await this.hooks.onModelAfterUpdateSuccess.trigger(new ModelEvent(this, model, "update"));
    await this.reloadSettings();
  }

  /** The settings encryption key from the configured env variable ("" when none). */
  settingsEncryptionKey(): string {
    const name = this.config.encryptionEnv;
    return name ? (process.env[name] ?? "") : "";
  }

  // ---- file storage ----------------------------------------------------------------------

  /**
   * The record files storage: `<dataDir>/storage`, or the bucket of `settings.s3` when it is
   * enabled. Rebuilt whenever those settings change (the previous store is left to finish what
   * it is doing, not closed).
   */
  storage(): Storage {
    const s3 = this.settings().s3;
    const key = s3.enabled ? JSON.stringify(s3) : "local";
    const current = this.#shared.storage;
    if (current?.key === key) return current.storage;
    const storage = s3.enabled
      ? new S3Storage({
          bucket: s3.bucket,
          region: s3.region,
          endpoint: s3.endpoint,
          accessKey: s3.accessKey,
          secret: s3.secret,
          forcePathStyle: s3.forcePathStyle,
        })
      : new LocalStorage(join(this.dataDir, "storage"));
    this.#shared.storage = { key, storage };
    return storage;
  }

  // ---- collections cache -----------------------------------------------------------------

  /** Reloads every collection from `_collections` into the cache. */
  async reloadCollections(): Promise<void> {
    const collections = await loadCollections(this);
    const byKey = new Map<string, Collection>();
    for (const c of collections) {
      byKey.set(c.id, c);
      byKey.set(c.name.toLowerCase(), c);
    }
    this.#shared.collections = collections;
    this.#shared.collectionsByKey = byKey;
  }

  /** Every collection (cached), optionally of some types only. */
  findAllCollections(...types: CollectionType[]): Collection[] {
    const all = this.#shared.collections;
    return types.length === 0 ? all : all.filter((c) => types.includes(c.type));
  }

  /** A collection by id or name (names are case-insensitive), or null. */
  findCollectionByNameOrId(nameOrId: string): Collection | null {
    const map = this.#shared.collectionsByKey;
    return map.get(nameOrId) ?? map.get(nameOrId.toLowerCase()) ?? null;
  }

  // ---- records and models: the one API of hooks, the API layer and tests ------------------
  // PocketBase's App methods (its JS names). A collection is the object, its name or its id;
  // look-ups that find nothing throw NotFoundError (→ 404); filters take `{:name}` params.

  /** The record with that id (throws NotFoundError). */
  findRecordById(collection: CollectionRef, id: string): Promise<Record> {
    return finders.findRecordById(this, collection, id);
  }

  /** The existing records among these ids. */
  findRecordsByIds(collection: CollectionRef, ids: readonly string[]): Promise<Record[]> {
    return finders.findRecordsByIds(this, collection, ids);
  }

  /** Every record matching all the SQL expressions (null ones skipped). */
  findAllRecords(collection: CollectionRef, ...expressions: SqlExpression[]): Promise<Record[]> {
    return finders.findAllRecords(this, collection, ...expressions);
  }

  /** `SELECT <table>.* FROM <table>` as a builder (`where`, `orderBy`, `limit`…) whose `all()`/`one()` give records. */
  recordQuery(collection: CollectionRef): RecordQueryBuilder {
    return new RecordQueryBuilder(this, finders.collectionOf(this, collection));
  }

  /** Records by filter, sort (`-created,title`), limit and offset (0 = none), with `{:name}` params. */
  findRecordsByFilter(
    collection: CollectionRef,
    filter: string,
    sort = "",
    limit = 0,
    offset = 0,
    ...params: FilterParams[]
  ): Promise<Record[]> {
    return finders.findRecordsByFilter(this, collection, filter, sort, limit, offset, ...params);
  }

  /** The first record matching a filter (throws NotFoundError). */
  findFirstRecordByFilter(
    collection: CollectionRef,
    filter: string,
    ...params: FilterParams[]
  ): Promise<Record> {
    return finders.findFirstRecordByFilter(this, collection, filter, ...params);
  }

  /** The first record whose field equals the value (throws NotFoundError; the field must exist). */
  findFirstRecordByData(collection: CollectionRef, field: string, value: unknown): Promise<Record> {
    return finders.findFirstRecordByData(this, collection, field, value);
  }

  /** How many records match a filter (with its params) or SQL expressions; all without either. */
  countRecords(
    collection: CollectionRef,
    ...filterOrExpressions: (string | FilterParams | SqlExpression)[]
  ): Promise<number> {
    return finders.countRecords(this, collection, ...filterOrExpressions);
  }

  /** An auth record by email, case-insensitive (throws NotFoundError). */
  findAuthRecordByEmail(collection: CollectionRef, email: string): Promise<Record> {
    return finders.findAuthRecordByEmail(this, collection, email);
  }

  /** The auth record of a valid token of one of `types` (any type when none); throws NotFoundError. */
  findAuthRecordByToken(token: string, ...types: string[]): Promise<Record> {
    return finders.findAuthRecordByToken(this, token, ...types);
  }

  /** Whether the request may access the record under `rule` (superusers always; null: nobody else). */
  canAccessRecord(record: Record, requestInfo: RequestInfo, rule: string | null): Promise<boolean> {
    return finders.canAccessRecord(this, record, requestInfo, rule);
  }

  /** Expands relation paths on one record; returns the failed paths with their errors. */
  expandRecord(
    record: Record,
    expands: readonly string[],
    fetch: ExpandFetch | null = null,
  ): Promise<{ [path: string]: Error }> {
    return finders.expandRecords(this, [record], expands, fetch);
  }

  /** Expands relation paths on records of one collection; returns the failed paths with their errors. */
  expandRecords(
    records: Record[],
    expands: readonly string[],
    fetch: ExpandFetch | null = null,
  ): Promise<{ [path: string]: Error }> {
    return finders.expandRecords(this, records, expands, fetch);
  }

  /** Creates or updates a record, a collection or the settings through its full hook chains. */
  save(model: SavableModel): Promise<void> {
    return saveModel(this, model, { validate: true });
  }

  /** `save` without validation (records; collections and settings are always validated). */
  saveNoValidate(model: SavableModel): Promise<void> {
    return saveModel(this, model, { validate: false });
  }

  /** Validates a model without saving it (through the validate hooks for records); throws ValidationErrors. */
  validate(model: SavableModel): Promise<void> {
    return validateModel(this, model);
  }

  /** Deletes a record (with its cascade) or a collection through its hook chains. */
  delete(model: SavableModel): Promise<void> {
    return deleteModel(this, model);
  }

  /** Deletes every record of a collection through the record delete hooks, in one transaction. */
  truncateCollection(collection: CollectionRef): Promise<void> {
    return truncateCollection(this, finders.collectionOf(this, collection));
  }

  /**
   * Imports collection definitions (as the import API and `migrate collections` snapshots do):
   * matched by id then name and updated, or created; `deleteMissing` drops the others.
   */
  importCollections(data: readonly { [key: string]: unknown }[], deleteMissing = false): Promise<void> {
    return importCollectionsData(this, data, deleteMissing);
  }
}

/** The app's `onX(...tags)` hook accessors (declared here, installed below). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface App extends HookAccessors {}

for (const name of Object.keys(hookCatalogue) as HookName[]) {
  Object.defineProperty(App.prototype, name, {
    value(this: App, ...tags: string[]) {
      return hookAccessor(this.hooks, name)(...tags);
    },
  });
}
