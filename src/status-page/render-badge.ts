import { STATE_COLOURS } from './colours.js';
import { escapeMarkup as e } from './markup.js';
import type { PageComponent } from './page-data.js';

/** Roughly how wide a character of 11 px Verdana is: badges are sized without measuring text. */
const CHAR_WIDTH = 7;
const PADDING = 10;

/**
 * A component's badge in shields.io's flat style: its name on grey, its state on the state's colour.
 * Sized from the text's length, so it needs no font at run time.
 */
export function renderBadge(component: PageComponent): string {
  const label = component.name;
  const message = component.label.toLowerCase();
  const left = label.length * CHAR_WIDTH + PADDING;
  const right = message.length * CHAR_WIDTH + PADDING;
  const width = left + right;
  const colour = STATE_COLOURS[component.state];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${e(`${label}: ${message}`)}">
<title>${e(`${label}: ${message}`)}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${colour}"/><rect width="${width}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${left / 2}" y="14">${e(label)}</text>
<text x="${left + right / 2}" y="14">${e(message)}</text>
</g>
</svg>
`;
}
