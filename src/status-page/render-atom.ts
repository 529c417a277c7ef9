import { escapeMarkup as e, isoTime, readableTime } from './markup.js';
import type { StatusPage } from './page-data.js';
import type { PublicIncident } from './page-incidents.js';

/**
 * The page's incidents as an Atom feed (RFC 4287): one entry per incident, open or resolved in the past
 * seven days, whose content is its public updates, newest first. An entry's `updated` is its newest
 * update, so a reader shows an incident again each time it moves. Ids are URNs of the stack's name and
 * the incident's number: stable across restarts and hosts, as Atom asks.
 */
export function renderAtom(page: StatusPage, stack: string): string {
  const incidents = [...page.incidents, ...page.pastIncidents];
  const updated = Math.max(0, ...incidents.map(lastChange));
  const entries = incidents.map((incident) => entry(incident, stack)).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>urn:dayshift:${e(stack)}:status</id>
<title>${e(page.title)} incidents</title>
<updated>${isoTime(updated || page.generatedAt)}</updated>
<author><name>${e(page.title)}</name></author>
<link rel="self" type="application/atom+xml" href="/status/feed.atom"/>
<link rel="alternate" type="text/html" href="/status"/>
<generator>Dayshift</generator>
${entries}
</feed>
`;
}

function entry(incident: PublicIncident, stack: string): string {
  const affects = incident.components.length > 0 ? incident.components.join(', ') : 'all components';
  const updates = incident.updates
    .map(
      (u) =>
        `<p><strong>${e(u.status)}</strong> (${readableTime(u.at)})${u.text ? `: ${e(u.text)}` : ''}</p>`,
    )
    .join('');
  const html = `<p>Affects ${e(affects)}.</p>${updates}`;
  return `<entry>
<id>urn:dayshift:${e(stack)}:incident:${incident.id}</id>
<title>${e(`${incident.title} (${incident.status})`)}</title>
<published>${isoTime(incident.openedAt)}</published>
<updated>${isoTime(lastChange(incident))}</updated>
<link rel="alternate" type="text/html" href="/status#incident-${incident.id}"/>
<content type="html">${e(html)}</content>
</entry>`;
}

function lastChange(incident: PublicIncident): number {
  return Math.max(incident.openedAt, incident.resolvedAt ?? 0, ...incident.updates.map((u) => u.at));
}
