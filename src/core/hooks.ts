/**
 * The hook catalogue, declared once. App accessors (`app.onCollectionCreate(...tags)`), the
 * pb_hooks globals and generated types all derive from this table: a hook that exists in one
 * place but not another is a bug. Names and event fields follow PocketBase's JS names.
 */
import { Hook, TaggedHook, type HookBinder, type HookEvent, type TaggedEvent } from "../tools/hook.ts";
import {
  BackupEvent,
  BatchRequestEvent,
  BootstrapEvent,
  CollectionErrorEvent,
  CollectionEvent,
  CollectionRequestEvent,
  CollectionsImportRequestEvent,
  CollectionsListRequestEvent,
  FileDownloadRequestEvent,
  FileTokenRequestEvent,
  MailerEvent,
  MailerRecordEvent,
  ModelErrorEvent,
  ModelEvent,
  RecordAuthWithOTPRequestEvent,
  RecordAuthWithOAuth2RequestEvent,
  RecordConfirmEmailChangeRequestEvent,
  RecordConfirmPasswordResetRequestEvent,
  RecordConfirmVerificationRequestEvent,
  RecordCreateOTPRequestEvent,
  RecordRequestEmailChangeRequestEvent,
  RecordRequestPasswordResetRequestEvent,
  RecordRequestVerificationRequestEvent,
  RecordAuthRefreshRequestEvent,
  RecordAuthRequestEvent,
  RecordAuthWithPasswordRequestEvent,
  RecordEnrichEvent,
  RecordErrorEvent,
  RecordEvent,
  RecordRequestEvent,
  RecordsListRequestEvent,
  RealtimeConnectRequestEvent,
  RealtimeMessageEvent,
  RealtimeSubscribeRequestEvent,
  ServeEvent,
  SettingsListRequestEvent,
  SettingsReloadEvent,
  SettingsUpdateRequestEvent,
  TerminateEvent,
} from "./hook-events.ts";

type EventClass = abstract new (...args: never[]) => HookEvent;

interface HookSpec<C extends EventClass = EventClass> {
  /** The event class handlers receive. */
  event: C;
  /** Whether handlers can be filtered by collection/table tags. */
  tagged: boolean;
}

const plain = <C extends EventClass>(event: C): HookSpec<C> => ({ event, tagged: false });
const tagged = <C extends EventClass>(event: C): HookSpec<C> => ({ event, tagged: true });

/** Every hook of the app and the event its handlers receive. */
export interface HookEventMap {
  onFileDownloadRequest: FileDownloadRequestEvent;
  onFileTokenRequest: FileTokenRequestEvent;
  onBootstrap: BootstrapEvent;
  onServe: ServeEvent;
  onTerminate: TerminateEvent;
  onSettingsReload: SettingsReloadEvent;
  onSettingsListRequest: SettingsListRequestEvent;
  onSettingsUpdateRequest: SettingsUpdateRequestEvent;
  onModelValidate: ModelEvent;
  onModelCreate: ModelEvent;
  onModelCreateExecute: ModelEvent;
  onModelAfterCreateSuccess: ModelEvent;
  onModelAfterCreateError: ModelErrorEvent;
  onModelUpdate: ModelEvent;
  onModelUpdateExecute: ModelEvent;
  onModelAfterUpdateSuccess: ModelEvent;
  onModelAfterUpdateError: ModelErrorEvent;
  onModelDelete: ModelEvent;
  onModelDeleteExecute: ModelEvent;
  onModelAfterDeleteSuccess: ModelEvent;
  onModelAfterDeleteError: ModelErrorEvent;
  onCollectionValidate: CollectionEvent;
  onCollectionCreate: CollectionEvent;
  onCollectionCreateExecute: CollectionEvent;
  onCollectionAfterCreateSuccess: CollectionEvent;
  onCollectionAfterCreateError: CollectionErrorEvent;
  onCollectionUpdate: CollectionEvent;
  onCollectionUpdateExecute: CollectionEvent;
  onCollectionAfterUpdateSuccess: CollectionEvent;
  onCollectionAfterUpdateError: CollectionErrorEvent;
  onCollectionDelete: CollectionEvent;
  onCollectionDeleteExecute: CollectionEvent;
  onCollectionAfterDeleteSuccess: CollectionEvent;
  onCollectionAfterDeleteError: CollectionErrorEvent;
  onRecordValidate: RecordEvent;
  onRecordCreate: RecordEvent;
  onRecordCreateExecute: RecordEvent;
  onRecordAfterCreateSuccess: RecordEvent;
  onRecordAfterCreateError: RecordErrorEvent;
  onRecordUpdate: RecordEvent;
  onRecordUpdateExecute: RecordEvent;
  onRecordAfterUpdateSuccess: RecordEvent;
  onRecordAfterUpdateError: RecordErrorEvent;
  onRecordDelete: RecordEvent;
  onRecordDeleteExecute: RecordEvent;
  onRecordAfterDeleteSuccess: RecordEvent;
  onRecordAfterDeleteError: RecordErrorEvent;
  onRecordEnrich: RecordEnrichEvent;
  onRecordsListRequest: RecordsListRequestEvent;
  onRecordViewRequest: RecordRequestEvent;
  onRecordCreateRequest: RecordRequestEvent;
  onRecordUpdateRequest: RecordRequestEvent;
  onRecordDeleteRequest: RecordRequestEvent;
  onCollectionsListRequest: CollectionsListRequestEvent;
  onCollectionViewRequest: CollectionRequestEvent;
  onCollectionCreateRequest: CollectionRequestEvent;
  onCollectionUpdateRequest: CollectionRequestEvent;
  onCollectionDeleteRequest: CollectionRequestEvent;
  onCollectionsImportRequest: CollectionsImportRequestEvent;
  onRecordAuthRequest: RecordAuthRequestEvent;
  onRecordAuthWithPasswordRequest: RecordAuthWithPasswordRequestEvent;
  onRecordAuthRefreshRequest: RecordAuthRefreshRequestEvent;
  onRealtimeConnectRequest: RealtimeConnectRequestEvent;
  onRealtimeSubscribeRequest: RealtimeSubscribeRequestEvent;
  onRealtimeMessageSend: RealtimeMessageEvent;
  onMailerSend: MailerEvent;
  onMailerRecordPasswordResetSend: MailerRecordEvent;
  onMailerRecordVerificationSend: MailerRecordEvent;
  onMailerRecordEmailChangeSend: MailerRecordEvent;
  onMailerRecordOTPSend: MailerRecordEvent;
  onMailerRecordAuthAlertSend: MailerRecordEvent;
  onRecordAuthWithOTPRequest: RecordAuthWithOTPRequestEvent;
  onRecordAuthWithOAuth2Request: RecordAuthWithOAuth2RequestEvent;
  onRecordRequestOTPRequest: RecordCreateOTPRequestEvent;
  onRecordRequestPasswordResetRequest: RecordRequestPasswordResetRequestEvent;
  onRecordConfirmPasswordResetRequest: RecordConfirmPasswordResetRequestEvent;
  onRecordRequestVerificationRequest: RecordRequestVerificationRequestEvent;
  onRecordConfirmVerificationRequest: RecordConfirmVerificationRequestEvent;
  onRecordRequestEmailChangeRequest: RecordRequestEmailChangeRequestEvent;
  onRecordConfirmEmailChangeRequest: RecordConfirmEmailChangeRequestEvent;
  onBackupCreate: BackupEvent;
  onBackupRestore: BackupEvent;
  onBatchRequest: BatchRequestEvent;
}

/** Every hook of the app: name → event class and whether it takes tags. */
export const hookCatalogue: { readonly [K in keyof HookEventMap]: HookSpec } = {
  onFileDownloadRequest: tagged(FileDownloadRequestEvent),
  onFileTokenRequest: tagged(FileTokenRequestEvent),
  onBootstrap: plain(BootstrapEvent),
  onServe: plain(ServeEvent),
  onTerminate: plain(TerminateEvent),
  onSettingsReload: plain(SettingsReloadEvent),
  onSettingsListRequest: plain(SettingsListRequestEvent),
  onSettingsUpdateRequest: plain(SettingsUpdateRequestEvent),

  onModelValidate: tagged(ModelEvent),
  onModelCreate: tagged(ModelEvent),
  onModelCreateExecute: tagged(ModelEvent),
  onModelAfterCreateSuccess: tagged(ModelEvent),
  onModelAfterCreateError: tagged(ModelErrorEvent),
  onModelUpdate: tagged(ModelEvent),
  onModelUpdateExecute: tagged(ModelEvent),
  onModelAfterUpdateSuccess: tagged(ModelEvent),
  onModelAfterUpdateError: tagged(ModelErrorEvent),
  onModelDelete: tagged(ModelEvent),
  onModelDeleteExecute: tagged(ModelEvent),
  onModelAfterDeleteSuccess: tagged(ModelEvent),
  onModelAfterDeleteError: tagged(ModelErrorEvent),

  onCollectionValidate: tagged(CollectionEvent),
  onCollectionCreate: tagged(CollectionEvent),
  onCollectionCreateExecute: tagged(CollectionEvent),
  onCollectionAfterCreateSuccess: tagged(CollectionEvent),
  onCollectionAfterCreateError: tagged(CollectionErrorEvent),
  onCollectionUpdate: tagged(CollectionEvent),
  onCollectionUpdateExecute: tagged(CollectionEvent),
  onCollectionAfterUpdateSuccess: tagged(CollectionEvent),
  onCollectionAfterUpdateError: tagged(CollectionErrorEvent),
  onCollectionDelete: tagged(CollectionEvent),
  onCollectionDeleteExecute: tagged(CollectionEvent),
  onCollectionAfterDeleteSuccess: tagged(CollectionEvent),
  onCollectionAfterDeleteError: tagged(CollectionErrorEvent),

  onRecordValidate: tagged(RecordEvent),
  onRecordCreate: tagged(RecordEvent),
  onRecordCreateExecute: tagged(RecordEvent),
  onRecordAfterCreateSuccess: tagged(RecordEvent),
  onRecordAfterCreateError: tagged(RecordErrorEvent),
  onRecordUpdate: tagged(RecordEvent),
  onRecordUpdateExecute: tagged(RecordEvent),
  onRecordAfterUpdateSuccess: tagged(RecordEvent),
  onRecordAfterUpdateError: tagged(RecordErrorEvent),
  onRecordDelete: tagged(RecordEvent),
  onRecordDeleteExecute: tagged(RecordEvent),
  onRecordAfterDeleteSuccess: tagged(RecordEvent),
  onRecordAfterDeleteError: tagged(RecordErrorEvent),
  onRecordEnrich: tagged(RecordEnrichEvent),
  onRecordsListRequest: tagged(RecordsListRequestEvent),
  onRecordViewRequest: tagged(RecordRequestEvent),
  onRecordCreateRequest: tagged(RecordRequestEvent),
  onRecordUpdateRequest: tagged(RecordRequestEvent),
  onRecordDeleteRequest: tagged(RecordRequestEvent),

  onCollectionsListRequest: plain(CollectionsListRequestEvent),
  onCollectionViewRequest: plain(CollectionRequestEvent),
  onCollectionCreateRequest: plain(CollectionRequestEvent),
  onCollectionUpdateRequest: plain(CollectionRequestEvent),
  onCollectionDeleteRequest: plain(CollectionRequestEvent),
  onCollectionsImportRequest: plain(CollectionsImportRequestEvent),

  onRecordAuthRequest: tagged(RecordAuthRequestEvent),
  onRecordAuthWithPasswordRequest: tagged(RecordAuthWithPasswordRequestEvent),
  onRecordAuthRefreshRequest: tagged(RecordAuthRefreshRequestEvent),
  onRealtimeConnectRequest: plain(RealtimeConnectRequestEvent),
  onRealtimeSubscribeRequest: plain(RealtimeSubscribeRequestEvent),
  onRealtimeMessageSend: plain(RealtimeMessageEvent),

  onMailerSend: plain(MailerEvent),
  onMailerRecordPasswordResetSend: tagged(MailerRecordEvent),
  onMailerRecordVerificationSend: tagged(MailerRecordEvent),
  onMailerRecordEmailChangeSend: tagged(MailerRecordEvent),
  onMailerRecordOTPSend: tagged(MailerRecordEvent),
  onMailerRecordAuthAlertSend: tagged(MailerRecordEvent),
  onRecordAuthWithOTPRequest: tagged(RecordAuthWithOTPRequestEvent),
  onRecordAuthWithOAuth2Request: tagged(RecordAuthWithOAuth2RequestEvent),
  onRecordRequestOTPRequest: tagged(RecordCreateOTPRequestEvent),
  onRecordRequestPasswordResetRequest: tagged(RecordRequestPasswordResetRequestEvent),
  onRecordConfirmPasswordResetRequest: tagged(RecordConfirmPasswordResetRequestEvent),
  onRecordRequestVerificationRequest: tagged(RecordRequestVerificationRequestEvent),
  onRecordConfirmVerificationRequest: tagged(RecordConfirmVerificationRequestEvent),
  onRecordRequestEmailChangeRequest: tagged(RecordRequestEmailChangeRequestEvent),
  onRecordConfirmEmailChangeRequest: tagged(RecordConfirmEmailChangeRequestEvent),

  onBackupCreate: plain(BackupEvent),
  onBackupRestore: plain(BackupEvent),
  onBatchRequest: plain(BatchRequestEvent),
};

/** The hook names. */
export type HookName = keyof HookEventMap;

/** The event type of a hook. */
export type HookEventOf<K extends HookName> = HookEventMap[K];

/** The app's hook instances, one per catalogue entry. */
export type Hooks = { [K in HookName]: Hook<HookEventOf<K>> };

/** `app.onX(...tags)` accessors: a tag-filtered view for tagged hooks, the hook otherwise. */
export type HookAccessors = {
  [K in HookName]: (...tags: string[]) => HookBinder<HookEventOf<K>>;
};

/** Creates one hook per catalogue entry. */
export function createHooks(): Hooks {
  const hooks: Record<string, Hook<HookEvent>> = {};
  for (const name of Object.keys(hookCatalogue)) hooks[name] = new Hook();
  return hooks as unknown as Hooks;
}

/** Builds the `onX(...tags)` accessor for one hook. */
export function hookAccessor(hooks: Hooks, name: HookName): (...tags: string[]) => HookBinder<HookEvent> {
  const hook = hooks[name] as unknown as Hook<TaggedEvent>;
  const binder: HookBinder<HookEvent> = hook;
  if (!hookCatalogue[name].tagged) return () => binder;
  return (...tags: string[]) => (tags.length === 0 ? binder : new TaggedHook(hook, tags));
}
