/**
 * Email templates: placeholder substitution in a collection's `{subject, body}` template and
 * the HTML layout every email body is wrapped in. Placeholders are plain string replacements
 * (§4.1): `{APP_NAME}`, `{APP_URL}`, `{TOKEN}`, `{OTP}`, `{OTP_ID}`, `{ALERT_INFO}` and
 * `{RECORD:<field>}` for every non-hidden field of the record, HTML-escaped except the types
 * whose text cannot carry markup (dates, booleans, numbers).
 */
import type { EmailTemplate } from "../collections/collection-model.ts";
import type { Record } from "../records/record.ts";

/** Placeholder names shared by the templates. */
export const PLACEHOLDER = {
  appName: "{APP_NAME}",
  appURL: "{APP_URL}",
  token: "{TOKEN}",
  otp: "{OTP}",
  otpId: "{OTP_ID}",
  alertInfo: "{ALERT_INFO}",
} as const;

const UNESCAPED_TYPES = new Set(["autodate", "date", "bool", "number"]);

/** Escapes the five HTML-special characters. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&#34;")
    .replaceAll("'", "&#39;");
}

/** The `{RECORD:<field>}` placeholders of a record (hidden fields excluded). */
export function recordPlaceholders(record: Record): { [placeholder: string]: string } {
  const out: { [placeholder: string]: string } = {};
  for (const field of record.collection.fields) {
    if (field.hidden) continue;
    const value = record.getString(field.name);
    out[`{RECORD:${field.name}}`] = UNESCAPED_TYPES.has(field.type) ? value : escapeHtml(value);
  }
  return out;
}

/** Replaces every placeholder in a text (longest names first, so none shadows another). */
export function replacePlaceholders(text: string, placeholders: { [placeholder: string]: string }): string {
  let out = text;
  for (const key of Object.keys(placeholders).sort((a, b) => b.length - a.length)) {
    out = out.replaceAll(key, placeholders[key]!);
  }
  return out;
}

/** Wraps rendered body HTML in Satchel's email layout. */
export function wrapInLayout(bodyHtml: string, subject: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
<style>
  body { margin: 0; padding: 24px 12px; background: #f4f5f7; color: #1f2328; font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; font-size: 15px; line-height: 1.55; }
  .card { max-width: 560px; margin: 0 auto; padding: 28px 32px; background: #ffffff; border: 1px solid #e3e5e8; border-radius: 8px; }
  p { margin: 0 0 14px; }
  a { color: #1a5fb4; }
  .btn { display: inline-block; padding: 10px 22px; border-radius: 6px; background: #1a5fb4; color: #ffffff !important; font-weight: 600; text-decoration: none; }
  .hint { color: #656d76; font-size: 13px; }
</style>
</head>
<body>
<div class="card">
${bodyHtml}
</div>
</body>
</html>
`;
}

/** A rendered template: subject and full HTML body. */
export interface RenderedEmail {
  subject: string;
  html: string;
}

/** Renders a template for a record with the given placeholders (app name/url included by the caller). */
export function renderEmailTemplate(
  template: EmailTemplate,
  record: Record,
  placeholders: { [placeholder: string]: string },
): RenderedEmail {
  const all = { ...recordPlaceholders(record), ...placeholders };
  const subject = replacePlaceholders(template.subject, all);
  const body = replacePlaceholders(template.body, all);
  return { subject, html: wrapInLayout(body, subject) };
}
