/** Turning script values into text: strings as they are, scalars printed, objects as JSON. */
export function str(v: unknown, fallback = ""): string {
  if (v === null || v === undefined) return fallback;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  try {
    return JSON.stringify(v) ?? fallback;
  } catch {
    return fallback;
  }
}
