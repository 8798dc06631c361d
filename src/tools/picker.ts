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
  children: Map<string, PickNode>;
}

const newNode = (): PickNode => ({ all: false, modifier: null, children: new Map() });
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses `a,b.c,d:excerpt(10,true)` into a tree; splits on commas outside parentheses. */
function parseFields(fields: string): PickNode {
  const root = newNode();
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
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) continue;
    const [path = "", modifierText] = splitModifier(part);
    let node = root;
    const segments = path.split(".");
    segments.forEach((segment, i) => {
      if (segment === "*") {
        node.all = true;
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

function parseExcerpt(text: string): PickNode["modifier"] {
  const m = /^excerpt\(\s*(\d+)\s*(?:,\s*(\w+)\s*)?\)$/.exec(text.trim());
  if (!m) return null;
  return { max: Number(m[1]), ellipsis: ["1", "t", "true", "TRUE", "True"].includes(m[2] ?? "") };
}

function applyNode(value: Json, node: PickNode): Json {
  if (Array.isArray(value)) return value.map((v) => applyNode(v, node));
  if (!isObj(value)) return value;
  if (node.all && node.children.size === 0) return value;
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
      out[key] = v;
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
const BLOCK =
  /<\/?(p|div|br|hr|li|ul|ol|h[1-6]|tr|td|th|table|section|article|header|footer|blockquote|pre)\b[^>]*>/gi;

/** Strips HTML to plain text and cuts it to `max` characters (+ "..." when asked). */
export function excerpt(html: string, max: number, withEllipsis: boolean): string {
  const text = html
    .replace(DROPPED, " ")
    .replace(BLOCK, " ")
    .replace(/<[^>]*>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  const chars = [...text];
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max).join("").trimEnd();
  return withEllipsis ? `${cut}...` : cut;
}
