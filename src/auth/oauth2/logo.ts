/**
 * Provider logos: small hand-written SVG badges (brand colour + initial), not the brands'
 * artwork. The dashboard shows them next to each provider's name.
 */

/** A rounded square badge in `background` with `text` centred in `color`. */
export function badgeLogo(text: string, background: string, color = "#fff"): string {
  const size = text.length > 1 ? 26 : 34;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">` +
    `<rect width="64" height="64" rx="14" fill="${background}"/>` +
    `<text x="32" y="${32 + size * 0.36}" font-family="Arial,Helvetica,sans-serif" font-size="${size}" ` +
    `font-weight="700" fill="${color}" text-anchor="middle">${text}</text></svg>`
  );
}
