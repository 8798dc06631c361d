/**
 * The pb_hooks script library: everything a script sees besides `$app`, `$apis`, `$http`,
 * `$mails`, `$filesystem` and the registration functions (those are the runtime's). It runs
 * inside the worker realm; what needs the main thread goes through `bridge.call(op, args)`.
 *
 * Main-thread ops this library calls (the runtime answers them; args are structured-clone data):
 *
 * | op                   | args                                   | result                        |
 * |----------------------|----------------------------------------|-------------------------------|
 * | `record.newToken`    | `[RecordWire, kind, ...extra]`; kind is `auth`, `static` (extra: duration ns, ≤ 0 = the collection's), `verification`, `passwordReset`, `emailChange` (extra: new email), `file` | the token string |
 * | `os.exit`            | `[code: number]`                       | never returns (the process exits) |
 * | `form.submit`        | `[form: string, state: object]`; form is `recordUpsert` (state: `{record: RecordWire, data, access}`), `testEmailSend`, `testS3Filesystem`, `appleClientSecret`; `dry: true` for `drySubmit` | recordUpsert: a RecordWire; appleClientSecret: the secret string; others: null |
 */
import type { SyncBridge } from "../wire.ts";
import { GoBytes, JSONRaw } from "./bytes.ts";
import { Collection, setCollectionBridge } from "./collection.ts";
import { DateTime, Timezone } from "./datetime.ts";
import { dbx } from "./dbx.ts";
import { DynamicModel, nullMarkers } from "./dynamic-model.ts";
import { errorGlobals } from "./errors.ts";
import { Field, FieldsList, fieldGlobals } from "./fields.ts";
import { filepath } from "./filepath.ts";
import { formGlobals, setFormBridge } from "./forms.ts";
import { arrayOf, readerToString, sleep, toBytes, toString, unmarshal } from "./helpers.ts";
import {
  Command,
  Context,
  Cookie,
  FormData,
  MailerMessage,
  Middleware,
  RequestInfo,
  SubscriptionMessage,
} from "./models.ts";
import { createOs } from "./os.ts";
import { Record, setRecordBridge } from "./record.ts";
import { security } from "./security.ts";
import { template } from "./template.ts";

/** The global names this library installs, by kind (the types.d.ts generator walks them). */
export function libraryGlobals(bridge: SyncBridge | null): {
  functions: { [name: string]: unknown };
  classes: { [name: string]: unknown };
  namespaces: { [name: string]: unknown };
} {
  return {
    functions: { toString, toBytes, readerToString, sleep, arrayOf, unmarshal, ...nullMarkers },
    classes: {
      ...errorGlobals,
      ...fieldGlobals,
      Field,
      FieldsList,
      Record,
      Collection,
      DynamicModel,
      DateTime,
      Timezone,
      Context,
      Cookie,
      FormData,
      MailerMessage,
      Middleware,
      RequestInfo,
      SubscriptionMessage,
      Command,
      ...formGlobals,
    },
    namespaces: {
      $security: security,
      $os: createOs(bridge),
      $filepath: filepath,
      $template: template,
      $dbx: dbx,
    },
  };
}

/**
 * Puts every global of jsvm-surface §2.3–2.5 and the `$security`, `$os`, `$filepath`,
 * `$template` and `$dbx` namespaces on `scope` (the worker's script scope).
 */
export function installGlobals(scope: { [name: string]: unknown }, bridge: SyncBridge): void {
  setRecordBridge(bridge);
  setCollectionBridge(bridge);
  setFormBridge(bridge);
  const lib = libraryGlobals(bridge);
  Object.assign(scope, lib.functions, lib.classes, lib.namespaces);
}

export { GoBytes, JSONRaw };
