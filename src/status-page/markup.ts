/** Text for HTML, SVG and XML: text content and quoted attribute values alike. */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => MARKUP_ENTITIES[c] ?? c);
}

const MARKUP_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `2026-03-01T14:05:00.000Z`: how every time is written in the JSON, the feed and `datetime`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2026-03-01 14:05 UTC`: how the page writes a time for people. */
export function readableTime(ms: number): string {
  return `${isoTime(ms).slice(0, 16).replace('T', ' ')} UTC`;
}
