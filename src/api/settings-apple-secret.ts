/**
 * `POST /api/settings/apple/generate-client-secret` (§1.4, superusers): the client secret "Sign
 * in with Apple" wants, an ES256 JWT signed with the developer's private key (claims `iss` team
 * id, `iat`, `exp`, `aud` Apple, `sub` client id; header `kid` the key id).
 */
import { createPrivateKey, sign } from "node:crypto";
import type { Router } from "./http/router.ts";
import { ValidationError, errors, type ErrorTree } from "../tools/validation.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, badRequest } from "./errors.ts";
import { requireSuperuser } from "./guards.ts";
import { readBody } from "./request-body.ts";
import { jsonResponse } from "./response.ts";

/** The longest secret Apple accepts: 6 months, in seconds. */
const MAX_DURATION = 15777000;

const exactLength = (n: number) =>
  new ValidationError("validation_length_invalid", `The length must be exactly ${n}.`, { length: n });

/** A PKCS#8 PEM block, as PocketBase's form requires before trying to parse it. */
const PRIVATE_KEY_PEM = /-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----/;

/** An ES256 JWT of `claims` with header `{alg, kid, typ}`, signed by an EC P-256 PEM key. */
export function signAppleClientSecret(
  privateKeyPem: string,
  keyId: string,
  claims: { [key: string]: unknown },
): string {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== "ec") throw new Error("The private key is not an EC key.");
  const header = Buffer.from(JSON.stringify({ alg: "ES256", kid: keyId, typ: "JWT" })).toString("base64url");
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const input = `${header}.${payload}`;
  const signature = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}

/** Registers the route. */
export function bindAppleClientSecretApi(router: Router<ApiEnv>): void {
  router.post("/api/settings/apple/generate-client-secret", async (c) => {
    requireSuperuser(c);
    const body = await readBody(c);
    const str = (v: unknown) => (typeof v === "string" ? v : "");
    const clientId = str(body.clientId);
    const teamId = str(body.teamId);
    const keyId = str(body.keyId);
    const privateKey = str(body.privateKey).trim();
    const duration = typeof body.duration === "number" ? body.duration : 0;
    const problems: ErrorTree = {};
    if (clientId === "") problems.clientId = errors.required();
    if (teamId === "") problems.teamId = errors.required();
    else if (teamId.length !== 10) problems.teamId = exactLength(10);
    if (keyId === "") problems.keyId = errors.required();
    else if (keyId.length !== 10) problems.keyId = exactLength(10);
    if (privateKey === "") problems.privateKey = errors.required();
    else if (!PRIVATE_KEY_PEM.test(privateKey)) problems.privateKey = errors.matchInvalid();
    if (duration === 0) problems.duration = errors.required();
    else if (duration < 1) problems.duration = errors.minThreshold(1);
    else if (duration > MAX_DURATION) problems.duration = errors.maxThreshold(MAX_DURATION);
    if (Object.keys(problems).length > 0) {
      throw badRequest("An error occurred while validating the submitted data.", problems);
    }
    const now = Math.floor(Date.now() / 1000);
    let secret: string;
    try {
      secret = signAppleClientSecret(privateKey, keyId, {
        iss: teamId,
        iat: now,
        exp: now + Math.floor(duration),
        aud: "https://appleid.apple.com",
        sub: clientId,
      });
    } catch (err) {
      throw new ApiError(400, "Failed to generate client secret.", {}, err);
    }
    return jsonResponse(c, 200, { secret });
  });
}
