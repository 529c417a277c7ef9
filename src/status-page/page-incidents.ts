import type { Kysely } from 'kysely';
import { toIncident, toIncidentEvent } from '../incidents/records.js';
import type { IncidentEvent, IncidentStatus } from '../incidents/types.js';
import type { Database } from '../store/schema.js';

/**
 * The only event types the page shows. The store's `public` flag says the same; both must agree, so an
 * internal event written public by mistake still never reaches the page.
 */
const PUBLIC_TYPES = ['opened', 'status', 'update', 'resolved'] as const;

/** One public update of an incident as the page shows it. */
export interface PublicUpdate {
  at: number;
  /** The incident's status once this update was posted. */
  status: IncidentStatus;
  /** What was said; null for an update that only changed the status. */
  text: string | null;
}

/** An incident as the page shows it: nothing internal (no severity, assignee, notes or alerts). */
export interface PublicIncident {
  id: number;
  title: string;
  status: IncidentStatus;
  /** The page's components it touches; empty when it names none (it concerns the whole stack). */
  components: string[];
  openedAt: number;
  resolvedAt: number | null;
  /** Newest first. */
  updates: PublicUpdate[];
}

export interface PageIncidents {
  /** Open incidents, newest first. */
  open: PublicIncident[];
  /** Resolved since `resolvedSince`, most recently resolved first. */
  past: PublicIncident[];
}

/**
 * The incidents the page shows: open ones touching one of its components (or naming no service), and
 * those resolved since `resolvedSince`, each with its public updates. Two queries, whatever the count.
 */
export async function pageIncidents(
  db: Kysely<Database>,
  components: readonly string[],
  resolvedSince: number,
): Promise<PageIncidents> {
  const rows = await db
    .selectFrom('incidents')
    .selectAll()
    .where((eb) => eb.or([eb('status', '!=', 'resolved'), eb('resolved_at', '>=', resolvedSince)]))
    .orderBy('id', 'desc')
    .execute();
  const shown = rows
    .map(toIncident)
    .filter((i) => i.status !== 'resolved' || (i.resolvedAt ?? 0) >= resolvedSince)
    .map((incident) => ({
      incident,
      components: components.filter((c) => incident.services.includes(c)),
    }))
    .filter(({ incident, components }) => incident.services.length === 0 || components.length > 0);
  const events = new Map<number, IncidentEvent[]>();
  const ids = shown.map((s) => s.incident.id);
  if (ids.length > 0) {
    const eventRows = await db
      .selectFrom('incident_events')
      .selectAll()
      .where('incident_id', 'in', ids)
      .where('public', '=', 1)
      .where('type', 'in', PUBLIC_TYPES)
      .orderBy('id')
      .execute();
    for (const row of eventRows) {
      const event = toIncidentEvent(row);
      const list = events.get(event.incidentId) ?? [];
      list.push(event);
      events.set(event.incidentId, list);
    }
  }
  const out: PageIncidents = { open: [], past: [] };
  for (const { incident, components } of shown) {
    const publicIncident: PublicIncident = {
      id: incident.id,
      title: incident.title,
      status: incident.status,
      components,
      openedAt: incident.openedAt,
      resolvedAt: incident.resolvedAt,
      updates: publicUpdates(events.get(incident.id) ?? []),
    };
    if (incident.status === 'resolved') out.past.push(publicIncident);
    else out.open.push(publicIncident);
  }
  out.past.sort((a, b) => (b.resolvedAt ?? 0) - (a.resolvedAt ?? 0));
  return out;
}

const STATUSES: readonly string[] = ['investigating', 'identified', 'monitoring', 'resolved'];

/**
 * The updates newest first, each with the status the incident had once it was posted: a status change
 * names its new status in its data (`to` or `status`), a plain update keeps the one before it.
 */
export function publicUpdates(events: readonly IncidentEvent[]): PublicUpdate[] {
  let status: IncidentStatus = 'investigating';
  const out: PublicUpdate[] = [];
  for (const event of events) {
    if (!event.public || !(PUBLIC_TYPES as readonly string[]).includes(event.type)) continue;
    const named = event.data?.to ?? event.data?.status;
    if (event.type === 'resolved') status = 'resolved';
    else if (typeof named === 'string' && STATUSES.includes(named)) status = named as IncidentStatus;
    out.push({ at: event.at, status, text: event.text });
  }
  return out.reverse();
}
