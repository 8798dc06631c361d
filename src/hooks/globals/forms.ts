/**
 * The form classes of jsvm-surface §2.4. `AppleClientSecretCreateForm` signs its ES256 JWT right
 * here; the others submit through the main thread (op `form.submit`, main-forms.ts), on the
 * `app` they were made with (`$app` or a `txApp`).
 */
import { createPrivateKey, sign } from "node:crypto";
import { goJsonMarshal, toGoString } from "../../core/fields/cast.ts";
import type { RecordWire, SyncBridge } from "../wire.ts";
import { GoError, ValidationErrorsError } from "./errors.ts";
import { Record, assignRecordFromWire } from "./record.ts";

type Obj = { [key: string]: unknown };

/** The handle of a script's `$app` object (worker-codec marks them), "main" for anything else. */
function appIdOf(app: unknown): string {
  const id =
    app !== null && typeof app === "object"
      ? (app as { [key: symbol]: unknown })[Symbol.for("satchel.appId")]
      : undefined;
  return typeof id === "string" ? id : "main";
}

let formBridge: SyncBridge | null = null;

/** Connects the forms to the main thread. */
export function setFormBridge(bridge: SyncBridge | null): void {
  formBridge = bridge;
}

function submit(form: string, state: Obj): unknown {
  if (!formBridge) throw new Error(`${form} forms need the app (no bridge in this realm)`);
  return formBridge.call("form.submit", [form, state]);
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => toGoString(v);

/** Creates or updates a record with the API's rules and field handling. */
export class RecordUpsertForm {
  #record: Record;
  #data: Obj = {};
  #access: "none" | "manager" | "superuser" = "none";
  #appId: string;

  /** `app` is `$app` or a `txApp` (the form then saves inside that transaction). */
  constructor(app: unknown, record: unknown) {
    if (!(record instanceof Record))
      throw new TypeError("RecordUpsertForm: the second argument must be a Record");
    this.#record = record;
    this.#appId = appIdOf(app);
  }

  /** Loads request-like data (fields, modifiers, `password`/`passwordConfirm`/`oldPassword`). */
  load(data: unknown): void {
    if (isObj(data)) Object.assign(this.#data, data);
  }

  /** Validates and saves the record (throws the validation errors). */
  submit(): void {
    const result = submit("recordUpsert", {
      record: this.#record.toWire(),
      data: this.#data,
      access: this.#access,
      appId: this.#appId,
    });
    if (isObj(result)) assignRecordFromWire(this.#record, result as unknown as RecordWire);
  }

  /** Not supported: the dry run's transaction lives on the main thread. */
  drySubmit(): never {
    throw new Error(
      "not supported in Satchel: RecordUpsertForm.drySubmit(); use $app.runInTransaction() with submit() instead",
    );
  }

  setContext(_ctx: unknown): void {}

  setApp(app: unknown): void {
    this.#appId = appIdOf(app);
  }

  setRecord(record: unknown): void {
    if (record instanceof Record) this.#record = record;
  }

  /** Lets the form change manager-only fields (e.g. another user's email/verified). */
  grantManagerAccess(): void {
    this.#access = "manager";
  }

  /** Lets the form change everything, as a superuser. */
  grantSuperuserAccess(): void {
    this.#access = "superuser";
  }

  resetAccess(): void {
    this.#access = "none";
  }

  hasManageAccess(): boolean {
    return this.#access !== "none";
  }
}

/** Sends a test email (`template`: verification, password-reset, email-change, otp, login-alert). */
export class TestEmailSendForm {
  email = "";
  template = "";
  collection = "";

  readonly #appId: string;

  constructor(app?: unknown) {
    this.#appId = appIdOf(app);
  }

  validate(): void {
    const errors: Obj = {};
    if (this.email === "") errors.email = { code: "validation_required", message: "Cannot be blank." };
    if (this.template === "") errors.template = { code: "validation_required", message: "Cannot be blank." };
    if (Object.keys(errors).length > 0) throw new ValidationErrorsError("validation failed", errors);
  }

  submit(): void {
    this.validate();
    submit("testEmailSend", {
      email: this.email,
      template: this.template,
      collection: this.collection,
      appId: this.#appId,
    });
  }
}

/** Checks the S3 settings of `filesystem` (`storage` or `backups`). */
export class TestS3FilesystemForm {
  filesystem = "";

  constructor(_app?: unknown) {}

  validate(): void {
    if (this.filesystem !== "storage" && this.filesystem !== "backups") {
      throw new ValidationErrorsError("validation failed", {
        filesystem: { code: "validation_in_invalid", message: "Must be a valid value." },
      });
    }
  }

  submit(): void {
    this.validate();
    submit("testS3Filesystem", { filesystem: this.filesystem });
  }
}

/** Creates Apple's OAuth2 client secret: an ES256 JWT signed with the team's private key. */
export class AppleClientSecretCreateForm {
  clientId = "";
  teamId = "";
  keyId = "";
  privateKey = "";
  /** Lifetime in seconds (at most ~6 months, Apple's limit). */
  duration = 0;

  constructor(_app?: unknown) {}

  validate(): void {
    const errors: Obj = {};
    const required = { code: "validation_required", message: "Cannot be blank." };
    for (const key of ["clientId", "teamId", "keyId", "privateKey"] as const)
      if (this[key] === "") errors[key] = required;
    if (this.duration <= 0) errors.duration = required;
    else if (this.duration > 15777000) {
      errors.duration = {
        code: "validation_max_less_equal_than_required",
        message: "Must be no greater than 15777000.",
      };
    }
    if (Object.keys(errors).length > 0) throw new ValidationErrorsError("validation failed", errors);
  }

  /** The client secret. */
  submit(): string {
    this.validate();
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(goJsonMarshal({ alg: "ES256", kid: this.keyId, typ: "JWT" })).toString(
      "base64url",
    );
    const claims = {
      aud: "https://appleid.apple.com",
      exp: now + Math.trunc(this.duration),
      iat: now,
      iss: this.teamId,
      sub: this.clientId,
    };
    const body = `${header}.${Buffer.from(goJsonMarshal(claims)).toString("base64url")}`;
    let key;
    try {
      key = createPrivateKey(str(this.privateKey).trim());
    } catch (err) {
      throw new GoError(`invalid private key: ${err instanceof Error ? err.message : String(err)}`);
    }
    const signature = sign("sha256", Buffer.from(body), { key, dsaEncoding: "ieee-p1363" });
    return `${body}.${signature.toString("base64url")}`;
  }
}

/** The form classes by global name. */
export const formGlobals = {
  RecordUpsertForm,
  TestEmailSendForm,
  TestS3FilesystemForm,
  AppleClientSecretCreateForm,
};
