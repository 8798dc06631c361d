/**
 * The `?fields=` picker (§6.3): keeps only the listed dot paths of a JSON value; `*` keeps a
 * whole level; `:excerpt(max, withEllipsis)` turns an HTML string into a plain-text excerpt.
 * Paginated results are picked item by item, keeping the envelope.
 */

type Json = unknown;
type Obj = { [key: string]: unknown };

interface PickNode {
  all: boolean;
  modifier: { max: number; ellipsis: boolean } | null;
  /** The modifier of a `*` at this level. */
  allModifier: { max: number; ellipsis: boolean } | null;
  children: Map<string, PickNode>;
}

const newNode = (): PickNode => ({ all: false, modifier: null, allModifier: null, children: new Map() });
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses `a,b.c,d:excerpt(10,true)` into a tree; splits on commas outside parentheses. */
/** Splits on commas outside parentheses. */
function splitTopLevel(fields: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of fields) {
    if (ch === "(") depth++;
    else if (ch === ")") depth = Math.max(0, depth - 1);
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function parseFields(fields: string): PickNode {
  const root = newNode();
  for (const raw of splitTopLevel(fields)) {
    const part = raw.trim();
    if (!part) continue;
    const [path = "", modifierText] = splitModifier(part);
    let node = root;
    const segments = path.split(".");
    segments.forEach((segment, i) => {
      if (segment === "*") {
        node.all = true;
        // `*:excerpt(…)` applies to every key the star brings in
        if (i === segments.length - 1 && modifierText) node.allModifier = parseExcerpt(modifierText);
        return;
      }
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = newNode()));
      node = child;
      if (i === segments.length - 1 && modifierText) node.modifier = parseExcerpt(modifierText);
    });
  }
  return root;
}

function splitModifier(part: string): [string, string | undefined] {
  const idx = part.indexOf(":");
  return idx < 0 ? [part, undefined] : [part.slice(0, idx), part.slice(idx + 1)];
}

/**
 * Parses a modifier (`excerpt(max, withEllipsis?)`, the only one PocketBase has) like its
 * tokenizer does: name and arguments separated by parentheses, commas or spaces. Throws on
 * an unknown modifier or bad arguments (`max` must be a positive integer).
 */
function parseModifier(text: string): { max: number; ellipsis: boolean } {
  const [name, ...args] = text.split(/[(), ]+/).filter(Boolean);
  if (!name) throw new Error(`Invalid or empty modifier expression ${JSON.stringify(text)}.`);
  if (name !== "excerpt") throw new Error(`Missing or invalid modifier ${JSON.stringify(name)}.`);
  if (args.length === 0) throw new Error("The excerpt max argument is required.");
  if (args.length > 2) throw new Error("Too many excerpt arguments.");
  const max = /^[-+]?\d+$/.test(args[0]!) ? Number(args[0]) : 0;
  if (max <= 0) throw new Error("The excerpt max argument must be > 0.");
  return { max, ellipsis: ["1", "t", "T", "true", "TRUE", "True"].includes(args[1] ?? "") };
}

function parseExcerpt(text: string): PickNode["modifier"] {
  try {
    return parseModifier(text);
  } catch {
    return null;
  }
}

/**
 * Throws when a `fields` value has an invalid modifier: PocketBase answers such a request
 * with a 400 (`pickFields` itself ignores them, for callers that must not fail).
 */
export function validatePickFields(fields: string): void {
  for (const raw of splitTopLevel(fields)) {
    const [, modifierText] = splitModifier(raw.trim());
    if (modifierText !== undefined) parseModifier(modifierText);
  }
}

function applyNode(value: Json, node: PickNode): Json {
  if (Array.isArray(value)) return value.map((v) => applyNode(v, node));
  if (!isObj(value)) return value;
  if (node.all && node.children.size === 0 && !node.allModifier) return value;
  const out: Obj = {};
  for (const [key, v] of Object.entries(value)) {
    const child = node.children.get(key);
    if (child) {
      out[key] =
        child.modifier && typeof v === "string"
          ? excerpt(v, child.modifier.max, child.modifier.ellipsis)
          : child.children.size > 0 || child.all
            ? applyNode(v, child)
            : v;
    } else if (node.all) {
      out[key] =
        node.allModifier && typeof v === "string"
          ? excerpt(v, node.allModifier.max, node.allModifier.ellipsis)
          : v;
    }
  }
  return out;
}

/** Applies a `fields` parameter to a response value (items of a list result one by one). */
export function pickFields(value: Json, fields: string): Json {
  if (!fields.trim()) return value;
  const root = parseFields(fields);
  if (isObj(value) && Array.isArray(value.items) && "page" in value && "perPage" in value) {
    return { ...value, items: value.items.map((item) => applyNode(item, root)) };
  }
  return applyNode(value, root);
}

const DROPPED_TAGS =
  "head|style|script|iframe|embed|applet|object|svg|img|picture|dialog|template|button|form|textarea|input|select|option";
const DROPPED = new RegExp(
  `<(${DROPPED_TAGS})\\b[^>]*>[\\s\\S]*?</\\1\\s*>|<(${DROPPED_TAGS})\\b[^>]*/?>`,
  "gi",
);
/** Tags that flow inline (no space around them); every other element is a block (PocketBase's list). */
const INLINE_TAGS = new Set(
  "a abbr acronym b bdo big br button cite code em i label q small span strong strike sub sup time".split(
    " ",
  ),
);
const NAMED_ENTITIES: { [name: string]: string } = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  copy: "©",
  reg: "®",
  laquo: "«",
  raquo: "»",
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/**
 * Strips HTML to plain text and cuts it to `max` characters (+ "..." when asked), as
 * PocketBase's excerpt modifier: excluded elements go with their content, block elements
 * (anything not inline) separate words, whitespace collapses, entities are decoded.
 */
export function excerpt(html: string, max: number, withEllipsis: boolean): string {
  const text = decodeEntities(
    html
      .replace(/<!--[\s\S]*?(-->|$)/g, "")
      .replace(DROPPED, " ")
      .replace(/<\/?([a-zA-Z][\w-]*)[^>]*>/g, (_tag, name: string) =>
        INLINE_TAGS.has(name.toLowerCase()) ? "" : " ",
      ),
  )
    .replace(/\s+/g, " ")
    .trim();
  const chars = [...text];
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max).join("").trim();
  return withEllipsis ? `${cut}...` : cut;
}
