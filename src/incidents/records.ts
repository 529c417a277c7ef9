import type { Kysely, Selectable } from 'kysely';
import type { Database, IncidentEventsTable, IncidentsTable } from '../store/schema.js';
import type {
  Incident,
  IncidentEvent,
  IncidentEventType,
  IncidentStatus,
  NewIncidentEvent,
} from './types.js';

/** The store's row of an incident as the rest of the code reads it. */
export function toIncident(row: Selectable<IncidentsTable>): Incident {
  return {
    id: Number(row.id),
    title: row.title,
    severity: row.severity,
    status: row.status as IncidentStatus,
    services: JSON.parse(row.services) as string[],
    impact: row.impact,
    eta: row.eta,
    openedAt: Number(row.opened_at),
    openedBy: row.opened_by,
    acknowledgedAt: numberOrNull(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    assignee: row.assignee,
    resolvedAt: numberOrNull(row.resolved_at),
    resolvedBy: row.resolved_by,
    lastUpdateAt: Number(row.last_update_at),
    escalation: JSON.parse(row.escalation) as Incident['escalation'],
    version: Number(row.version),
  };
}

export function toIncidentEvent(row: Selectable<IncidentEventsTable>): IncidentEvent {
  return {
    id: Number(row.id),
    incidentId: Number(row.incident_id),
    at: Number(row.at),
    type: row.type as IncidentEventType,
    actor: row.actor,
    public: Number(row.public) === 1,
    text: row.text,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
  };
}

export async function readIncident(db: Kysely<Database>, id: number): Promise<Incident | undefined> {
  const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toIncident(row) : undefined;
}

/** The incident's timeline, oldest first; only the public events when `publicOnly`. */
export async function readTimeline(
  db: Kysely<Database>,
  incidentId: number,
  options: { publicOnly?: boolean } = {},
): Promise<IncidentEvent[]> {
  let query = db.selectFrom('incident_events').selectAll().where('incident_id', '=', incidentId);
  if (options.publicOnly) query = query.where('public', '=', 1);
  const rows = await query.orderBy('id').execute();
  return rows.map(toIncidentEvent);
}

/**
 * Appends events to timelines. An event with a `key` already written for its incident is left out, so
 * a job that runs again after a crash, or two nodes seeing the same alert, write it once. Returns how
 * many were written.
 */
export async function appendEvents(
  db: Kysely<Database>,
  events: readonly NewIncidentEvent[],
): Promise<number> {
  if (events.length === 0) return 0;
  const result = await db
    .insertInto('incident_events')
    .values(
      events.map((e) => ({
        incident_id: e.incidentId,
        at: e.at,
        type: e.type,
        actor: e.actor,
        public: e.public ? 1 : 0,
        text: e.text ?? null,
        data: e.data ? JSON.stringify(e.data) : null,
        key: e.key ?? null,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

function numberOrNull(value: number | null): number | null {
  return value === null ? null : Number(value);
}
