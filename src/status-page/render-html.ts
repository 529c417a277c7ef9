import { createHash } from 'node:crypto';
import { DAY_COLOURS, STATE_COLOURS } from './colours.js';
import { escapeMarkup as e, isoTime, readableTime } from './markup.js';
import type { PageComponent, PageMaintenance, StatusPage } from './page-data.js';
import type { PublicIncident } from './page-incidents.js';
import { DAY_THRESHOLDS } from './uptime-days.js';

/**
 * The page's only style, inline. Its hash goes into the Content-Security-Policy, which then forbids
 * every other style, script, image, font and frame: a title or an update that slipped past escaping
 * could still load nothing. Colours are classes, not `style` attributes, which that policy refuses.
 */
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}
main{max-width:52rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:0}
p{margin:.25rem 0}
section,.card{overflow-wrap:anywhere}
.banner{color:#fff;border-radius:.5rem;padding:.75rem 1rem;font-weight:600;margin:1rem 0}
.card{background:#fff;border:1px solid #d0d7de;border-radius:.5rem;padding:.75rem 1rem;margin:.5rem 0}
.row{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem .75rem;align-items:baseline}
.state{font-weight:600}
.muted{color:#57606a;font-size:.875rem}
.bar{display:block;width:100%;height:2.25rem;margin:.5rem 0 .25rem}
.updates{list-style:none;margin:.5rem 0 0;padding:0}
.updates li{border-left:3px solid #d0d7de;padding:.1rem 0 .1rem .75rem;margin:.5rem 0}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;list-style:none}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-.1rem}
a{color:#0969da}
footer{margin:2rem 0 1rem}
${Object.entries(STATE_COLOURS)
  .map(([state, colour]) => `.bg-${state}{background:${colour}}.fg-${state}{color:${colour}}`)
  .join('\n')}
${Object.entries(DAY_COLOURS)
  .map(([level, colour]) => `.day-${level}{background:${colour}}.d-${level}{fill:${colour}}`)
  .join('\n')}
`;

/** The Content-Security-Policy the page is served with: its own inline style, and nothing else. */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** `/status` as HTML: rendered here, readable without JavaScript, every text escaped. */
export function renderHtml(page: StatusPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(page.title)} status</title>
<link rel="alternate" type="application/atom+xml" title="${e(page.title)} incidents" href="/status/feed.atom">
<link rel="alternate" type="application/json" href="/status.json">
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>${e(page.title)}</h1>
${page.description ? `<p>${e(page.description)}</p>` : ''}
<div class="banner bg-${bannerState(page)}" id="overall" data-state="${page.state}">${e(page.label)}</div>
</header>
${incidentsSection('Current incidents', 'incidents', page.incidents)}
${maintenanceSection(page.maintenance)}
<section id="components">
<h2>Components</h2>
${page.components.map((c) => componentCard(c, page.uptimeDays)).join('\n')}
${legend()}
</section>
${incidentsSection('Past incidents (7 days)', 'past-incidents', page.pastIncidents, 'No incidents in the past 7 days.')}
<footer class="muted">
<p>Updated <time datetime="${isoTime(page.generatedAt)}">${readableTime(page.generatedAt)}</time>.
<a href="/status/feed.atom">Incident feed (Atom)</a> · <a href="/status.json">JSON</a></p>
</footer>
</main>
</body>
</html>
`;
}

function componentCard(c: PageComponent, days: number): string {
  const uptime = c.uptime.uptime === null ? 'no data' : `${formatPercent(c.uptime.uptime)} uptime`;
  const seen = c.updatedAt === null ? 'never reported' : `last report ${readableTime(c.updatedAt)}`;
  return `<div class="card component" id="component-${e(c.name)}" data-state="${c.state}">
<div class="row"><h3>${e(c.name)}</h3><span class="state fg-${c.state}">${e(c.label)}</span></div>
${uptimeSvg(c)}
<div class="row muted"><span>${days} days ago</span><span>${e(uptime)}</span><span>today</span></div>
<p class="muted">${e(seen)}</p>
</div>`;
}

/** The bar of days as inline SVG that scales to the card's width; each day names its date and share. */
function uptimeSvg(c: PageComponent): string {
  const n = c.uptime.days.length;
  // Fifty components of ninety days are 4,500 of these: each is kept to its position, class and title.
  const rects = c.uptime.days.map((d, i) => {
    const said = d.uptime === null ? 'no data' : formatPercent(d.uptime);
    return `<rect x="${i * 4}" width="3" height="34" class="d-${d.level}"><title>${d.date}: ${said}</title></rect>`;
  });
  return `<svg class="bar" viewBox="0 0 ${Math.max(1, n * 4 - 1)} 34" preserveAspectRatio="none" role="img" aria-label="${e(`${c.name}: uptime per day over ${n} days`)}">${rects.join('')}</svg>`;
}

function legend(): string {
  const items: Array<[keyof typeof DAY_COLOURS, string]> = [
    ['up', `≥ ${DAY_THRESHOLDS.up} %`],
    ['minor', `≥ ${DAY_THRESHOLDS.minor} %`],
    ['partial', `≥ ${DAY_THRESHOLDS.partial} %`],
    ['major', `< ${DAY_THRESHOLDS.partial} %`],
    ['none', 'no data'],
  ];
  return `<ul class="legend muted">${items
    .map(([level, text]) => `<li><span class="swatch day-${level}"></span>${e(text)}</li>`)
    .join('')}</ul>`;
}

function incidentsSection(
  heading: string,
  id: string,
  incidents: readonly PublicIncident[],
  none?: string,
): string {
  if (incidents.length === 0 && none === undefined) return '';
  const body =
    incidents.length === 0 ? `<p class="muted">${e(none ?? '')}</p>` : incidents.map(incidentCard).join('\n');
  return `<section id="${id}">\n<h2>${e(heading)}</h2>\n${body}\n</section>`;
}

function incidentCard(incident: PublicIncident): string {
  const affects = incident.components.length > 0 ? incident.components.join(', ') : 'all components';
  const updates = incident.updates
    .map(
      (u) =>
        `<li><p><strong>${e(capitalise(u.status))}</strong>${u.text ? ` — ${e(u.text)}` : ''}</p><p class="muted"><time datetime="${isoTime(u.at)}">${readableTime(u.at)}</time></p></li>`,
    )
    .join('');
  return `<article class="card incident" id="incident-${incident.id}" data-status="${incident.status}">
<div class="row"><h3>${e(incident.title)}</h3><span class="state">${e(capitalise(incident.status))}</span></div>
<p class="muted">Affects ${e(affects)} · opened <time datetime="${isoTime(incident.openedAt)}">${readableTime(incident.openedAt)}</time>${
    incident.resolvedAt === null
      ? ''
      : ` · resolved <time datetime="${isoTime(incident.resolvedAt)}">${readableTime(incident.resolvedAt)}</time>`
  }</p>
<ul class="updates">${updates}</ul>
</article>`;
}

function maintenanceSection(windows: readonly PageMaintenance[]): string {
  if (windows.length === 0) return '';
  const cards = windows.map(
    (w) => `<article class="card maintenance" data-active="${w.active}">
<div class="row"><h3>${e(w.name)}</h3><span class="state fg-under_maintenance">${w.active ? 'In progress' : 'Scheduled'}</span></div>
${w.description ? `<p>${e(w.description)}</p>` : ''}
<p class="muted"><time datetime="${isoTime(w.startsAt)}">${readableTime(w.startsAt)}</time> to <time datetime="${isoTime(w.endsAt)}">${readableTime(w.endsAt)}</time> · ${e(w.components.join(', '))}</p>
</article>`,
  );
  return `<section id="maintenance">\n<h2>Maintenance</h2>\n${cards.join('\n')}\n</section>`;
}

export function formatPercent(value: number): string {
  // Two decimals, never rounded up to 100 %: 99.996 % is not a perfect day.
  const floored = Math.floor(value * 100) / 100;
  return `${floored.toFixed(2)} %`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The banner's colour: the worst component's, or degraded's while an incident is open on green components. */
function bannerState(page: StatusPage): string {
  return page.state === 'operational' && page.incidents.length > 0 ? 'degraded_performance' : page.state;
}
