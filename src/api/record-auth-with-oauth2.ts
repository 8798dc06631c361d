/**
 * `POST /api/collections/{collection}/auth-with-oauth2` (§1.2, §4.5): exchange the code (with
 * the PKCE verifier) at the provider, fetch the provider's user, resolve the record (existing
 * link, else the requester's own record, else the record with the provider's verified email),
 * let `onRecordAuthWithOAuth2Request` hooks adjust it, then sign up (through the collection's
 * createRule, `@request.context = "oauth2"`) or apply the login to the existing record, link
 * the identity in `_externalAuths` and answer with the auth response plus `meta`.
 *
 * What the server verifies: with the SDK flows the client keeps `state` and the verifier, so
 * the state check is the client's (or the realtime redirect's, whose state is a live client
 * id); the server forwards the verifier, and the provider refuses a code whose verifier does
 * not match its challenge, so a stolen code is useless without it. Everything the provider
 * says is narrowed, and only provider-verified emails link accounts.
 */
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import {
  EXCHANGE_TIMEOUT_MS,
  exchangeCode,
  fetchAuthUser,
  findProvider,
  resolveConfig,
  type AuthUser,
} from "../auth/oauth2/index.ts";
import { prepareRecordCreate } from "./record-crud.ts";
import { recordsToJson } from "../core/records/record-enrich.ts";
import { sortKeysDeep } from "../tools/json.ts";
import { SUPERUSERS, type AuthOptions, type Collection } from "../core/collections/collection-model.ts";
import { RecordAuthWithOAuth2RequestEvent, RecordRequestEvent } from "../core/hook-events.ts";
import { applyAuthBody } from "../core/records/record-auth-rules.ts";
import {
  applyOAuth2Login,
  createExternalAuth,
  finishOAuth2SignUp,
  oauth2SignUpBody,
  randomOAuth2Password,
  resolveOAuth2Record,
} from "../core/records/record-oauth2.ts";
import { newAuthToken } from "../core/records/record-tokens.ts";
import type { AuthRecord } from "../core/records/record.ts";
import type { App } from "../core/app.ts";
import { ValidationError, ValidationErrors, errors as v, type ErrorTree } from "../tools/validation.ts";
import { ApiError, badRequest, forbidden, notFound } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { isSuperuser } from "./guards.ts";
import { takeAppleRedirectName } from "./oauth2-redirect.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { loadError, readForm } from "./record-auth-form.ts";
import { AUTH_METHOD, recordAuthResponse } from "./record-auth-response.ts";
import { realIP } from "./real-ip.ts";
import { readBody } from "./request-body.ts";
import { buildRequestInfo, requestEventArgs } from "./request-event.ts";

type AuthCollection = Collection & { auth: AuthOptions };

/** The submitted form. */
interface OAuth2Form {
  provider: string;
  code: string;
  codeVerifier: string;
  redirectURL: string;
  createData: { [key: string]: unknown };
}

const invalidProvider = (name: string) =>
  new ValidationError(
    "validation_invalid_provider",
    "Provider with name {name} is missing or is not enabled.",
    {
      name,
    },
  );

async function readOAuth2Form(c: Context<ApiEnv>, collection: AuthCollection): Promise<OAuth2Form> {
  let get: (key: string) => string;
  let body: { [key: string]: unknown };
  try {
    get = await readForm(c);
    body = await readBody(c);
  } catch {
    throw loadError();
  }
  const createData = body.createData ?? {};
  if (typeof createData !== "object" || Array.isArray(createData)) throw loadError();
  const form: OAuth2Form = {
    provider: get("provider"),
    code: get("code"),
    codeVerifier: get("codeVerifier"),
    // `redirectUrl` is the pre-0.23 name, still accepted.
    redirectURL: get("redirectURL") || get("redirectUrl"),
    createData: { ...(createData as { [key: string]: unknown }) },
  };
  const tree: ErrorTree = {};
  if (!form.provider) tree.provider = v.required();
  else if ([...form.provider].length > 100) tree.provider = v.lengthOutOfRange(0, 100);
  else if (!collection.auth.oauth2.providers.some((p) => p.name === form.provider)) {
    tree.provider = invalidProvider(form.provider);
  }
  if (!form.code) tree.code = v.required();
  if (!form.redirectURL) tree.redirectURL = v.required();
  if (Object.keys(tree).length > 0) {
    throw badRequest("An error occurred while loading the submitted data.", new ValidationErrors(tree));
  }
  return form;
}

/**
 * The OAuth2 sign-up: PocketBase's internal `POST /records` with `@request.context = "oauth2"`
 * on behalf of the requester, so the createRule, the auth body rules (no self-verification)
 * and `onRecordCreateRequest` apply exactly as for a normal sign-up.
 */
async function createOAuth2Record(
  c: Context<ApiEnv>,
  txApp: App,
  collection: AuthCollection,
  payload: { [key: string]: unknown },
): Promise<AuthRecord> {
  const superuser = isSuperuser(c);
  if (collection.createRule === null && !superuser)
    throw forbidden("Only superusers can perform this action.");
  const body = { ...payload };
  if (typeof body.password !== "string" || body.password === "") {
    body.password = body.passwordConfirm = randomOAuth2Password();
  }
  // The provider's avatar arrives as an upload when the mapped field is a file field.
  const { record, info, isManager } = await prepareRecordCreate(txApp, collection, body, {
    requestInfo: await buildRequestInfo(c, "oauth2"),
    isSuperuser: superuser,
  });
  const event = new RecordRequestEvent([txApp, c.req.raw, c.get("auth"), () => info, realIP(c)], {
    collection,
    record,
  });
  await txApp.hooks.onRecordCreateRequest.trigger(event, async (e) => {
    try {
      await applyAuthBody(e.record, body, { isManager, isSuperuser: superuser });
      await e.app.save(e.record);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof ValidationErrors) throw badRequest("Failed to create record.", err);
      throw new ApiError(400, "Failed to create record.", {}, err);
    }
    // The internal create request answers with the record like any create (onRecordEnrich
    // fires for it, as in PocketBase); the auth response that follows is built separately.
    await recordsToJson(e.app, [e.record], { requestInfo: info, isSuperuser: superuser });
  });
  return event.record;
}

/** The response `meta`: every AuthUser key, the legacy `avatarUrl`, and `isNew`. */
function oauth2Meta(user: AuthUser, isNew: boolean): unknown {
  return sortKeysDeep({ ...user, avatarUrl: user.avatarURL, isNew });
}

/** Registers the OAuth2 auth route. */
export function bindAuthWithOAuth2Api(router: Router<ApiEnv>): void {
  router.post("/api/collections/:collection/auth-with-oauth2", async (c) => {
    const app = c.get("app");
    const collection = findAuthCollection(c);
    if (!collection.auth.oauth2.enabled) {
      throw forbidden("The collection is not configured to allow OAuth2 authentication.");
    }
    const form = await readOAuth2Form(c, collection);
    const definition = findProvider(form.provider);
    const overrides = collection.auth.oauth2.providers.find((p) => p.name === form.provider);
    if (!definition || !overrides) {
      throw badRequest("An error occurred while loading the submitted data.", {
        provider: invalidProvider(form.provider),
      });
    }
    const config = resolveConfig(definition, overrides);

    // One 30 s budget for the whole exchange; a client that goes away cancels it too.
    const signal = AbortSignal.any([AbortSignal.timeout(EXCHANGE_TIMEOUT_MS), c.req.raw.signal]);
    let tokens;
    try {
      tokens = await exchangeCode(config, {
        code: form.code,
        codeVerifier: form.codeVerifier,
        redirectURL: form.redirectURL,
        signal,
      });
    } catch (err) {
      throw new ApiError(400, "Failed to fetch OAuth2 token.", {}, err);
    }
    let user: AuthUser;
    try {
      user = await fetchAuthUser(definition, config, tokens, signal);
    } catch (err) {
      throw new ApiError(400, "Failed to fetch OAuth2 user.", {}, err);
    }
    // Without a stable provider id there is nothing to link (and "" must never match a link).
    if (!user.id) throw badRequest("Failed to fetch OAuth2 user.");
    if (!user.name && form.provider === "apple") user.name = takeAppleRedirectName(app, form.code);

    const currentAuth = c.get("auth")?.collection.id === collection.id ? c.get("auth") : null;
    const resolved = await resolveOAuth2Record(app, collection, form.provider, user, currentAuth);
    if (resolved.externalAuth && !resolved.record) throw notFound();

    const event = new RecordAuthWithOAuth2RequestEvent(await requestEventArgs(c, "oauth2"), {
      collection,
      providerName: form.provider,
      providerClient: config,
      oAuth2User: user,
      createData: form.createData,
      record: resolved.record,
      isNewRecord: resolved.record === null,
    });

    await app.hooks.onRecordAuthWithOAuth2Request.trigger(event, async (e) => {
      let record: AuthRecord;
      try {
        record = await e.app.runInTransaction(async (txApp) => {
          let target = e.record;
          let mustLink = resolved.externalAuth === null;
          if (!target) {
            // Superusers are never created through OAuth2 (their collection can't enable it either).
            if (collection.name === SUPERUSERS) {
              throw new Error("superusers are not allowed to sign-up with OAuth2");
            }
            const payload = await oauth2SignUpBody(txApp, collection, e.oAuth2User, e.createData);
            target = await createOAuth2Record(c, txApp, collection, payload);
            await finishOAuth2SignUp(txApp, target, e.oAuth2User);
            mustLink = true;
          } else {
            const auth = c.get("auth");
            const isRequester =
              auth !== null && auth.id === target.id && auth.collection.id === target.collection.id;
            const { linksCleared } = await applyOAuth2Login(txApp, target, e.oAuth2User, isRequester);
            // The identity's own link went with the others: recreate it.
            mustLink ||= linksCleared && resolved.externalAuth?.getString("recordRef") === target.id;
          }
          if (mustLink) await createExternalAuth(txApp, target, e.providerName, e.oAuth2User.id);
          return target;
        });
      } catch (err) {
        if (err instanceof ApiError) throw err;
        if (err instanceof ValidationErrors) throw badRequest("Failed to authenticate.", err);
        throw new ApiError(400, "Failed to authenticate.", {}, err);
      }
      e.record = record;
      e.response = await recordAuthResponse(
        c,
        collection,
        record,
        newAuthToken(record),
        AUTH_METHOD.oauth2,
        oauth2Meta(e.oAuth2User, e.isNewRecord),
      );
    });
    return event.response ?? c.body(null, 200);
  });
}
