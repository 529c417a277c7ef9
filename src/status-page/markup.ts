/** Text for HTML, SVG and XML: text content and quoted attribute values alike. */
export { escapeHtml as escapeMarkup } from '../util/html.js';

/** `2026-03-01T14:05:00.000Z`: how every time is written in the JSON, the feed and `datetime`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2026-03-01 14:05 UTC`: how the page writes a time for people. */
export function readableTime(ms: number): string {
  return `${isoTime(ms).slice(0, 16).replace('T', ' ')} UTC`;
}
