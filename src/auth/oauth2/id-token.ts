/**
 * OpenID Connect id_token checks (Apple, generic OIDC without a userinfo endpoint, Microsoft's
 * optional email claims). Claims are validated like PocketBase does (time claims with a leeway,
 * audience = client id, optional issuer list) and, when a JWKS URL is known, the signature is
 * verified with Web Crypto against the key named by the token's `kid`. Only asymmetric
 * algorithms are accepted: `none` and HMAC would let anyone who knows the client id forge one.
 */
import { timingSafeEqual } from "node:crypto";
import { fetchPublicJson, OAuth2ProviderError } from "./exchange.ts";
import { asObject } from "./payload.ts";
import type { JsonObject } from "./provider.ts";

let leewaySeconds = 5 * 60;

/** Sets the tolerance of the id_token time claims (PocketBase's `PB_ID_TOKEN_LEEWAY`, seconds). */
export function setIdTokenLeeway(seconds: number): void {
  if (Number.isFinite(seconds) && seconds >= 0) leewaySeconds = seconds;
}

/** What an id_token must satisfy. */
export interface IdTokenChecks {
  /** The expected `aud` (the OAuth2 client id). */
  audience: string;
  /** Accepted `iss` values (none = any). */
  issuers?: readonly string[];
  /** Where the signing keys are; without it the signature is not checked (token came over TLS). */
  jwksURL?: string;
  /** Require an `exp` claim. */
  requireExp?: boolean;
  signal: AbortSignal;
}

interface ParsedJwt {
  header: JsonObject;
  claims: JsonObject;
  signingInput: string;
  signature: Uint8Array<ArrayBuffer>;
}

function parseJwt(token: string): ParsedJwt {
  const parts = token.split(".");
  if (parts.length !== 3) throw new OAuth2ProviderError("malformed id_token");
  const [h = "", p = "", s = ""] = parts;
  const decode = (part: string) => {
    try {
      return asObject(JSON.parse(Buffer.from(part, "base64url").toString("utf8")));
    } catch {
      return null;
    }
  };
  const header = decode(h);
  const claims = decode(p);
  if (!header || !claims) throw new OAuth2ProviderError("malformed id_token");
  return {
    header,
    claims,
    signingInput: `${h}.${p}`,
    signature: new Uint8Array(Buffer.from(s, "base64url")),
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks `exp`, `nbf` and `iat` against the clock with the leeway. */
function checkTimes(claims: JsonObject, requireExp: boolean): void {
  const now = Date.now() / 1000;
  const { exp, nbf, iat } = claims;
  if (exp === undefined && requireExp) throw new OAuth2ProviderError("id_token without exp");
  if (exp !== undefined && (typeof exp !== "number" || now > exp + leewaySeconds))
    throw new OAuth2ProviderError("id_token expired");
  if (nbf !== undefined && (typeof nbf !== "number" || now + leewaySeconds < nbf))
    throw new OAuth2ProviderError("id_token not valid yet");
  if (iat !== undefined && (typeof iat !== "number" || now + leewaySeconds < iat))
    throw new OAuth2ProviderError("id_token issued in the future");
}

/** Decodes the claims checking only the time claims (for tokens received directly over TLS). */
export function decodeIdTokenClaims(idToken: string): JsonObject {
  const { claims } = parseJwt(idToken);
  checkTimes(claims, false);
  return claims;
}

/** Validates an id_token and returns its claims; throws OAuth2ProviderError otherwise. */
export async function verifyIdToken(idToken: string, checks: IdTokenChecks): Promise<JsonObject> {
  if (!idToken) throw new OAuth2ProviderError("empty id_token");
  const jwt = parseJwt(idToken);
  const { claims } = jwt;
  // An unsigned token is never acceptable, even when the signature is not otherwise checked.
  if (typeof jwt.header.alg !== "string" || jwt.header.alg.toLowerCase() === "none") {
    throw new OAuth2ProviderError("unsigned id_token");
  }
  checkTimes(claims, checks.requireExp ?? false);
  const aud = claims.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!checks.audience || !audiences.some((a) => typeof a === "string" && safeEqual(a, checks.audience))) {
    throw new OAuth2ProviderError("id_token audience mismatch");
  }
  if (checks.issuers && checks.issuers.length > 0) {
    const iss = typeof claims.iss === "string" ? claims.iss : "";
    if (!checks.issuers.some((issuer) => safeEqual(iss, issuer)))
      throw new OAuth2ProviderError("id_token issuer mismatch");
  }
  if (checks.jwksURL) await verifySignature(jwt, checks.jwksURL, checks.signal);
  return claims;
}

type VerifyAlgorithm = { name: string; hash?: string; saltLength?: number; namedCurve?: string };

/** The Web Crypto parameters of each accepted JWS algorithm. */
const ALGORITHMS: Record<string, { kty: "RSA" | "EC"; params: VerifyAlgorithm }> = {
  RS256: { kty: "RSA", params: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } },
  RS384: { kty: "RSA", params: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" } },
  RS512: { kty: "RSA", params: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" } },
  PS256: { kty: "RSA", params: { name: "RSA-PSS", hash: "SHA-256", saltLength: 32 } },
  PS384: { kty: "RSA", params: { name: "RSA-PSS", hash: "SHA-384", saltLength: 48 } },
  PS512: { kty: "RSA", params: { name: "RSA-PSS", hash: "SHA-512", saltLength: 64 } },
  ES256: { kty: "EC", params: { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } },
  ES384: { kty: "EC", params: { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" } },
  ES512: { kty: "EC", params: { name: "ECDSA", namedCurve: "P-521", hash: "SHA-512" } },
};

async function verifySignature(jwt: ParsedJwt, jwksURL: string, signal: AbortSignal): Promise<void> {
  const alg = typeof jwt.header.alg === "string" ? jwt.header.alg : "";
  const kid = typeof jwt.header.kid === "string" ? jwt.header.kid : "";
  const spec = ALGORITHMS[alg];
  if (!spec) throw new OAuth2ProviderError(`unsupported id_token algorithm ${JSON.stringify(alg)}`);
  if (!kid) throw new OAuth2ProviderError("missing kid header value");
  const keys = asObject(await fetchPublicJson(jwksURL, signal))?.keys;
  const jwk = Array.isArray(keys) ? keys.map(asObject).find((k) => k?.kid === kid) : undefined;
  if (!jwk) throw new OAuth2ProviderError(`jwk with kid ${JSON.stringify(kid)} was not found`);
  // The key decides the algorithm when it names one; otherwise it must at least be of its type.
  if ((typeof jwk.alg === "string" && jwk.alg !== alg) || jwk.kty !== spec.kty) {
    throw new OAuth2ProviderError("the id_token algorithm does not match its key");
  }
  const keyData: JsonWebKey =
    spec.kty === "RSA"
      ? { kty: "RSA", n: String(jwk.n), e: String(jwk.e) }
      : { kty: "EC", crv: String(jwk.crv), x: String(jwk.x), y: String(jwk.y) };
  let valid = false;
  try {
    const key = await crypto.subtle.importKey("jwk", keyData, spec.params, false, ["verify"]);
    valid = await crypto.subtle.verify(
      spec.params,
      key,
      jwt.signature,
      new TextEncoder().encode(jwt.signingInput),
    );
  } catch (err) {
    throw new OAuth2ProviderError("invalid id_token signing key", { cause: err });
  }
  if (!valid) throw new OAuth2ProviderError("invalid id_token signature");
}
