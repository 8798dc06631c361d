/** Raw HTTP for byte-level checks (status, headers, exact body) the SDK hides. */

/** A response with its body read once. */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body (undefined when empty or not JSON); `any` keeps assertions on it short. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** Request options of `request`. */
export interface RequestOptions {
  token?: string;
  /** A JSON value (serialised) or a raw string/bytes body sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Whether redirects are followed (fetch's default) or answered as they are ("manual"). */
  redirect?: RequestRedirect;
}

/** Sends a request and reads the whole response. */
export async function request(
  base: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = options.token;
  let body: BodyInit | undefined;
  if (
    typeof options.body === "string" ||
    options.body instanceof Uint8Array ||
    options.body instanceof FormData
  ) {
    body = options.body as BodyInit;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(base + path, { method, headers, body, redirect: options.redirect });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
