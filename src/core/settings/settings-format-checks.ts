/**
 * String format predicates for the settings validation, with the acceptance rules of the
 * validators PocketBase uses (IP, IP/CIDR, host name, URL, e-mail address, hex colour).
 * They are deliberately loose where PocketBase is loose (a URL needs no scheme, a host may be
 * a bare label) so that every value PocketBase accepts is accepted here too.
 */

import { isIP } from "node:net";

/** An IPv4 or IPv6 address as Go's net.ParseIP reads it (no brackets, no zone, no port). */
export function isIpAddress(value: string): boolean {
  return !value.includes("%") && isIP(value) !== 0;
}

/** An IP address or a CIDR range such as `10.0.0.0/8` or `2001:db8::/32`. */
export function isIpOrCidr(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash === -1) return isIpAddress(value);
  const ip = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!isIpAddress(ip) || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (isIP(ip) === 4 ? 32 : 128);
}

const DNS_LABEL = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$/;

/** A DNS name: dot-separated labels of letters, digits, `_` and inner `-`, optional final dot. */
export function isDnsName(value: string): boolean {
  if (value === "" || isIpAddress(value)) return false;
  const name = value.endsWith(".") ? value.slice(0, -1) : value;
  if (name.replaceAll(".", "").length > 255) return false;
  return name.split(".").every((label) => DNS_LABEL.test(label));
}

/** An IP address or a DNS name (e.g. an SMTP host). */
export function isHost(value: string): boolean {
  return isIpAddress(value) || isDnsName(value);
}

const URL_SCHEME = /^(?:ftp|tcp|udp|wss?|https?):\/\//;
const URL_HOST_LABEL = /^[A-Za-z0-9_\u00a1-\uffff](?:[A-Za-z0-9_\u00a1-\uffff-]*[A-Za-z0-9_\u00a1-\uffff])?$/;

/**
 * A URL in the permissive sense PocketBase's validator uses: an optional `http(s)`, `ws(s)`,
 * `ftp`, `tcp` or `udp` scheme, optional user info, a host (name, IPv4, `[IPv6]`), an optional
 * port and an optional path/query/fragment without spaces. Without a scheme or port the
 * value must contain a dot, so `example.com` passes and `hello` does not.
 */
export function isUrl(value: string): boolean {
  if (value.length <= 3 || [...value].length >= 2083 || value.startsWith(".")) return false;
  if (/\s/.test(value)) return false;
  const scheme = URL_SCHEME.exec(value);
  if (!scheme && !value.includes(":") && !value.includes(".")) return false;

  let rest = scheme ? value.slice(scheme[0].length) : value;
  const authorityEnd = rest.search(/[/?#]/);
  let authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  rest = authorityEnd === -1 ? "" : rest.slice(authorityEnd);

  const at = authority.lastIndexOf("@");
  if (at !== -1) {
    if (at === 0) return false;
    authority = authority.slice(at + 1);
  }

  let host = authority;
  const port = /:(\d*)$/.exec(authority);
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1) return false;
    const after = authority.slice(close + 1);
    if (after !== "" && !/^:\d{1,5}$/.test(after)) return false;
    return isIP(authority.slice(1, close)) === 6 && isRest(rest);
  }
  if (port) {
    if (!/^\d{1,5}$/.test(port[1]!)) return false;
    host = authority.slice(0, port.index);
  }
  if (host === "" || host.startsWith(".")) return false;
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  return name.split(".").every((label) => URL_HOST_LABEL.test(label)) && isRest(rest);
}

function isRest(rest: string): boolean {
  return rest === "" || /^[/?#]/.test(rest);
}

// Characters of an unquoted local part ("atext"), plus the Unicode ranges PocketBase allows.
const EMAIL_ATEXT = "A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u00a0-\\ud7ff\\uf900-\\ufdcf\\ufdf0-\\uffef";
const EMAIL_LOCAL = new RegExp(`^[${EMAIL_ATEXT}]+(?:\\.[${EMAIL_ATEXT}]+)*$`);
const EMAIL_ALNUM = "A-Za-z0-9\\u00a0-\\ud7ff\\uf900-\\ufdcf\\ufdf0-\\uffef";
const EMAIL_ALPHA = "A-Za-z\\u00a0-\\ud7ff\\uf900-\\ufdcf\\ufdf0-\\uffef";
const EMAIL_LABEL = new RegExp(`^[${EMAIL_ALNUM}](?:[${EMAIL_ALNUM}._~-]*[${EMAIL_ALNUM}])?$`);
const EMAIL_TLD = new RegExp(`^[${EMAIL_ALPHA}](?:[${EMAIL_ALNUM}._~-]*[${EMAIL_ALPHA}])?$`);

/** An e-mail address `local@domain.tld` (format only, no DNS lookup). */
export function isEmail(value: string): boolean {
  const at = value.lastIndexOf("@");
  if (at <= 0) return false;
  const local = value.slice(0, at);
  let domain = value.slice(at + 1);
  if (domain.endsWith(".")) domain = domain.slice(0, -1);
  const labels = domain.split(".");
  const tld = labels.pop();
  if (tld === undefined || labels.length === 0 || !EMAIL_TLD.test(tld)) return false;
  return EMAIL_LOCAL.test(local) && labels.every((label) => EMAIL_LABEL.test(label));
}

/** A `#rrggbb` colour. */
export function isHexColor(value: string): boolean {
  return /^#[0-9a-fA-F]{6}$/.test(value);
}
