/**
 * Format checks of the email and url fields and of their domain options, with the acceptance
 * rules of the Go validators PocketBase uses (govalidator `IsEmail`/`IsURL`, ozzo `is.Domain`).
 *
 * Those validators are regexes with nested quantifiers: fine for Go's linear-time RE2, but a
 * backtracking JS RegExp could take exponential time on hostile input. So the grammars are
 * transcribed into small combinators compiled to an NFA and simulated Thompson-style, in time
 * linear in the input like RE2.
 */

// ---------------------------------------------------------------------------------------------
// Grammar combinators and their NFA.

type Grammar =
  | { readonly kind: "char"; readonly test: (cp: number) => boolean }
  | { readonly kind: "seq"; readonly parts: readonly Grammar[] }
  | { readonly kind: "alt"; readonly options: readonly Grammar[] }
  | { readonly kind: "rep"; readonly item: Grammar; readonly min: number; readonly max: number };

const char = (test: (cp: number) => boolean): Grammar => ({ kind: "char", test });

const oneOf = (chars: string): Grammar => {
  const set = new Set([...chars].map((c) => c.codePointAt(0)));
  return char((cp) => set.has(cp));
};

const literal = (text: string): Grammar => seq(...[...text].map((c) => oneOf(c)));
const seq = (...parts: Grammar[]): Grammar => ({ kind: "seq", parts });
const alt = (...options: Grammar[]): Grammar => ({ kind: "alt", options });
/** `item{min,max}` (max Infinity for `*` / `+`). */
const rep = (item: Grammar, min: number, max = Infinity): Grammar => ({ kind: "rep", item, min, max });
const opt = (item: Grammar): Grammar => rep(item, 0, 1);

/** NFA states: a character test, an epsilon split, or the accepting state (index 0). */
type State = { test: (cp: number) => boolean; out: number } | { split: number[] } | { accept: true };

class Nfa {
  readonly states: State[] = [{ accept: true }];
  readonly start: number;

  constructor(grammar: Grammar) {
    this.start = this.#build(grammar, 0);
  }

  /** Builds states matching `g` then continuing at `next`; returns the entry state. */
  #build(g: Grammar, next: number): number {
    switch (g.kind) {
      case "char":
        return this.states.push({ test: g.test, out: next }) - 1;
      case "seq":
        return g.parts.reduceRight((cont, part) => this.#build(part, cont), next);
      case "alt":
        return this.states.push({ split: g.options.map((o) => this.#build(o, next)) }) - 1;
      case "rep": {
        let entry = next;
        if (g.max === Infinity) {
          const loop = this.states.push({ split: [] }) - 1;
          const body = this.#build(g.item, loop);
          this.states[loop] = { split: [body, next] };
          entry = loop;
        } else {
          for (let i = g.min; i < g.max; i++) {
            entry = this.states.push({ split: [this.#build(g.item, entry), next] }) - 1;
          }
        }
        for (let i = 0; i < g.min; i++) entry = this.#build(g.item, entry);
        return entry;
      }
    }
  }

  /** Whether the whole of `text` matches (Thompson simulation over code points). */
  matches(text: string): boolean {
    let current = this.#closure([this.start]);
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      const next: number[] = [];
      for (const id of current) {
        const state = this.states[id];
        if (state && "test" in state && state.test(cp)) next.push(state.out);
      }
      if (next.length === 0) return false;
      current = this.#closure(next);
    }
    return current.includes(0);
  }

  #closure(ids: number[]): number[] {
    const seen = new Set<number>();
    const out: number[] = [];
    const stack = [...ids];
    while (stack.length > 0) {
      const id = stack.pop() ?? 0;
      if (seen.has(id)) continue;
      seen.add(id);
      const state = this.states[id];
      if (state && "split" in state) stack.push(...state.split);
      else out.push(id);
    }
    return out;
  }
}

const inRange = (cp: number, lo: number, hi: number): boolean => cp >= lo && cp <= hi;
const isAsciiLetter = (cp: number): boolean => inRange(cp, 0x41, 0x5a) || inRange(cp, 0x61, 0x7a);
const isDigit = (cp: number): boolean => inRange(cp, 0x30, 0x39);
// govalidator's "unicode letter" ranges used by its email regex.
const isEmailUnicode = (cp: number): boolean =>
  inRange(cp, 0xa0, 0xd7ff) || inRange(cp, 0xf900, 0xfdcf) || inRange(cp, 0xfdf0, 0xffef);

// ---------------------------------------------------------------------------------------------
// Email: govalidator's rxEmail (dot-atom or quoted local part, dotted domain, letter TLD).

const emailAtom = char(
  (cp) =>
    isAsciiLetter(cp) ||
    isDigit(cp) ||
    "!#$%&'*+-/=?^_`{|}~".includes(String.fromCodePoint(cp)) ||
    isEmailUnicode(cp),
);
const dotAtom = seq(rep(emailAtom, 1), rep(seq(oneOf("."), rep(emailAtom, 1)), 0));
const wsp = oneOf(" \t");
const foldingSpace = seq(opt(seq(rep(wsp, 0), literal("\r\n"))), rep(wsp, 1));
const qtext = char(
  (cp) =>
    inRange(cp, 0x01, 0x08) ||
    cp === 0x0b ||
    cp === 0x0c ||
    inRange(cp, 0x0e, 0x1f) ||
    cp === 0x7f ||
    cp === 0x21 ||
    inRange(cp, 0x23, 0x5b) ||
    inRange(cp, 0x5d, 0x7e) ||
    isEmailUnicode(cp),
);
const quotedPair = seq(
  oneOf("\\"),
  char(
    (cp) =>
      inRange(cp, 0x01, 0x09) || cp === 0x0b || cp === 0x0c || inRange(cp, 0x0d, 0x7f) || isEmailUnicode(cp),
  ),
);
const quotedString = seq(
  oneOf('"'),
  rep(seq(opt(foldingSpace), alt(qtext, quotedPair)), 0),
  opt(foldingSpace),
  oneOf('"'),
);
const emailLabelChar = char((cp) => isAsciiLetter(cp) || isDigit(cp) || isEmailUnicode(cp));
const emailTldChar = char((cp) => isAsciiLetter(cp) || isEmailUnicode(cp));
const emailInner = (edge: Grammar): Grammar =>
  alt(edge, seq(edge, rep(alt(edge, char(isDigit), oneOf("-.~_")), 0), edge));
const emailGrammar = seq(
  alt(dotAtom, quotedString),
  oneOf("@"),
  rep(seq(emailInner(emailLabelChar), oneOf(".")), 1),
  emailInner(emailTldChar),
  opt(oneOf(".")),
);

// built on first use (not at every start: the build takes a few ms)
let emailNfa: Nfa | undefined;

/** govalidator `IsEmail` (ozzo `is.EmailFormat`): the format check of email fields. */
export function isEmailFormat(value: string): boolean {
  return (emailNfa ??= new Nfa(emailGrammar)).matches(value);
}

// ---------------------------------------------------------------------------------------------
// Domain: ozzo `is.Domain` (labels of letters/digits/hyphens, alphabetic TLD, ≤255 bytes).

const alnum = char((cp) => isAsciiLetter(cp) || isDigit(cp));
const domainLabel = seq(alnum, opt(seq(rep(alt(alnum, oneOf("-")), 0, 61), alnum)));
const lowerAlnum = char((cp) => inRange(cp, 0x61, 0x7a) || isDigit(cp));
const domainGrammar = seq(
  rep(seq(domainLabel, oneOf(".")), 1),
  // ozzo's regex has a stray space before `xn--`; kept so the same names pass.
  alt(rep(char(isAsciiLetter), 1, 63), seq(literal(" xn--"), rep(lowerAlnum, 1, 59))),
);

// built on first use (not at every start: the build takes a few ms)
let domainNfa: Nfa | undefined;

/** ozzo `is.Domain`: the check of every entry of `exceptDomains` / `onlyDomains`. */
export function isDomain(value: string): boolean {
  return Buffer.byteLength(value) <= 255 && (domainNfa ??= new Nfa(domainGrammar)).matches(value);
}

// ---------------------------------------------------------------------------------------------
// URL: govalidator `IsURL` = a loose `net/url` parse + its rxURL grammar.

const urlWord = char((cp) => isAsciiLetter(cp) || isDigit(cp) || inRange(cp, 0xa1, 0xffff));
const urlTldChar = char((cp) => isAsciiLetter(cp) || inRange(cp, 0xa1, 0xffff));
const octet1 = alt(
  seq(
    char((cp) => inRange(cp, 0x31, 0x39)),
    opt(char(isDigit)),
  ),
  seq(oneOf("1"), char(isDigit), char(isDigit)),
  seq(oneOf("2"), oneOf("01"), char(isDigit)),
  seq(literal("22"), oneOf("0123")),
  seq(literal("24"), char(isDigit)),
  seq(literal("25"), oneOf("012345")),
);
const octetMid = alt(
  rep(char(isDigit), 1, 2),
  seq(oneOf("1"), char(isDigit), char(isDigit)),
  seq(oneOf("2"), oneOf("01234"), char(isDigit)),
  seq(literal("25"), oneOf("012345")),
);
const octetLast = alt(
  seq(char(isDigit), opt(char(isDigit))),
  seq(oneOf("1"), char(isDigit), char(isDigit)),
  seq(oneOf("2"), oneOf("01234"), char(isDigit)),
  seq(literal("25"), oneOf("012345")),
);
const urlIPv4 = seq(octet1, rep(seq(oneOf("."), octetMid), 2, 2), oneOf("."), octetLast);
const hex = char((cp) => isDigit(cp) || inRange(cp, 0x41, 0x46) || inRange(cp, 0x61, 0x66));
const h16 = rep(hex, 1, 4);
const h16Colon = seq(h16, oneOf(":"));
const colonH16 = seq(oneOf(":"), h16);
const ipOctet = alt(
  seq(literal("25"), oneOf("012345")),
  seq(opt(alt(seq(oneOf("2"), oneOf("01234")), seq(opt(oneOf("1")), char(isDigit)))), char(isDigit)),
);
const dottedQuad = seq(rep(seq(ipOctet, oneOf(".")), 3, 3), ipOctet);
/** govalidator's IP grammar (IPv6 forms, incl. `fe80::…%zone` and IPv4-mapped). */
const ipv6 = alt(
  seq(rep(h16Colon, 7, 7), h16),
  seq(rep(h16Colon, 1, 7), oneOf(":")),
  seq(rep(h16Colon, 1, 6), oneOf(":"), h16),
  seq(rep(h16Colon, 1, 5), rep(colonH16, 1, 2)),
  seq(rep(h16Colon, 1, 4), rep(colonH16, 1, 3)),
  seq(rep(h16Colon, 1, 3), rep(colonH16, 1, 4)),
  seq(rep(h16Colon, 1, 2), rep(colonH16, 1, 5)),
  seq(h16Colon, rep(colonH16, 1, 6)),
  seq(oneOf(":"), alt(rep(colonH16, 1, 7), oneOf(":"))),
  seq(literal("fe80:"), rep(seq(oneOf(":"), rep(hex, 0, 4)), 0, 4), oneOf("%"), rep(alnum, 1)),
  seq(
    literal("::"),
    opt(seq(literal("ffff"), opt(seq(oneOf(":"), rep(oneOf("0"), 1, 4))), oneOf(":"))),
    dottedQuad,
  ),
  seq(rep(h16Colon, 1, 4), oneOf(":"), dottedQuad),
);
const urlIPv6 = seq(oneOf("["), ipv6, oneOf("]"));
const hostPrefix = alt(
  seq(alnum, opt(rep(alt(alnum, oneOf("-_")), 1)), alnum, rep(seq(oneOf("-."), rep(alnum, 1)), 0)),
  literal("www."),
  seq(rep(alnum, 1), rep(seq(opt(oneOf("-_.")), alnum), 0), alnum, oneOf("."), rep(alnum, 1)),
);
const hostName = seq(
  opt(hostPrefix),
  rep(urlWord, 1),
  rep(seq(oneOf("-"), opt(oneOf("-")), rep(urlWord, 1)), 0),
  opt(seq(oneOf("."), rep(urlTldChar, 1))),
);
// Go's `\S`: anything but the ASCII Perl spaces.
const nonSpace = char((cp) => cp !== 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0c && cp !== 0x0d);
const urlGrammar = seq(
  opt(
    seq(
      alt(
        literal("ftp"),
        literal("tcp"),
        literal("udp"),
        literal("ws"),
        literal("wss"),
        literal("http"),
        literal("https"),
      ),
      literal("://"),
    ),
  ),
  opt(seq(rep(nonSpace, 1), oneOf("@"))),
  alt(urlIPv4, urlIPv6, hostName),
  opt(oneOf(".")),
  opt(seq(oneOf(":"), rep(char(isDigit), 1, 5))),
  opt(seq(oneOf("/?#"), rep(nonSpace, 0))),
);

// built on first use (not at every start: the build takes a few ms)
let urlNfa: Nfa | undefined;
const MAX_URL_RUNES = 2083;

/** govalidator `IsURL`: the format check of url fields (scheme optional, `example.com` passes). */
export function isUrl(value: string): boolean {
  if (
    value === "" ||
    [...value].length >= MAX_URL_RUNES ||
    Buffer.byteLength(value) <= 3 ||
    value.startsWith(".")
  ) {
    return false;
  }
  const forParse = value.includes(":") && !value.includes("://") ? `http://${value}` : value;
  const parsed = parseGoUrl(forParse);
  if (!parsed || parsed.host.startsWith(".")) return false;
  if (parsed.host === "" && parsed.path !== "" && !parsed.path.includes(".")) return false;
  return (urlNfa ??= new Nfa(urlGrammar)).matches(value);
}

/** The host (with port, like Go's `url.URL.Host`) the url field's domain options compare with. */
export function urlHost(value: string): string {
  return parseGoUrl(value)?.host ?? "";
}

/**
 * The subset of Go's `net/url.Parse` that decides `Host`, `Path` and failure for IsURL:
 * control characters, bad percent-escapes, a colon in a scheme-less first segment and a
 * non-numeric port are errors.
 */
function parseGoUrl(raw: string): { host: string; path: string } | null {
  if (/[\x00-\x1f\x7f]/.test(raw)) return null;
  const hash = raw.indexOf("#");
  let rest = hash < 0 ? raw : raw.slice(0, hash);
  if (hash >= 0 && !validEscapes(raw.slice(hash + 1))) return null;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (rest.startsWith(":")) return null;
  if (scheme) rest = rest.slice(scheme[0].length);
  const query = rest.indexOf("?");
  if (query >= 0) rest = rest.slice(0, query);
  if (scheme && !rest.startsWith("/")) return { host: "", path: "" }; // opaque, e.g. mailto:x
  let host = "";
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? "" : rest.slice(slash);
    host = authority.slice(authority.lastIndexOf("@") + 1);
    const colon = host.lastIndexOf(":");
    const port = host.startsWith("[")
      ? host.slice(host.indexOf("]") + 1)
      : colon < 0
        ? ""
        : host.slice(colon);
    if (host.startsWith("[") && !host.includes("]")) return null;
    if (port !== "" && !/^:\d*$/.test(port)) return null;
    if (!validEscapes(host)) return null;
  } else if (!scheme) {
    const firstSegment = rest.split("/")[0] ?? "";
    if (firstSegment.includes(":")) return null;
  }
  if (!validEscapes(rest)) return null;
  return { host, path: rest };
}

function validEscapes(text: string): boolean {
  return !/%(?![0-9A-Fa-f]{2})/.test(text);
}
