/**
 * The plain-text part of an email, derived from its HTML: blocks become lines, links keep
 * their address (`label (https://…)`), tags are dropped and entities decoded. Small on
 * purpose: our templates are simple and the text part is only a fallback for text clients.
 */

const ENTITIES: { [name: string]: string } = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code[0] === "#") {
      const n =
        code[1] === "x" || code[1] === "X" ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
      return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : whole;
    }
    return ENTITIES[code.toLowerCase()] ?? whole;
  });
}

/** Converts an HTML email body to readable plain text. */
export function htmlToText(html: string): string {
  let s = html.replace(/\r\n?/g, "\n");
  s = s.replace(/<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, "");
  s = s.replace(/<!--[\s\S]*?-->/g, "");
  s = s.replace(
    /<a\b[^>]*?href\s*=\s*(["'])(.*?)\1[^>]*>([\s\S]*?)<\/a\s*>/gi,
    (_m, _q, href: string, label: string) => {
      const text = label.replace(/<[^>]*>/g, "").trim();
      const url = href.trim();
      if (!url || url.startsWith("#") || text === url) return text || url;
      return text ? `${text} (${url})` : url;
    },
  );
  // Inline whitespace (including source newlines) collapses, as a browser would render it.
  s = s.replace(/[ \t\n]+/g, " ");
  s = s.replace(/<br\s*\/?>/gi, "\n");
  s = s.replace(/<li\b[^>]*>/gi, "\n- ");
  s = s.replace(/<\/?(p|div|h[1-6]|ul|ol|table|tr|blockquote|section|header|footer|hr)\b[^>]*>/gi, "\n\n");
  s = s.replace(/<\/(td|th)\s*>/gi, " ");
  s = s.replace(/<[^>]*>/g, "");
  s = decodeEntities(s);
  return s
    .split("\n")
    .map((line) => line.trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
