import type { Kysely } from 'kysely';
import { appendEvents } from '../../src/incidents/records.js';
import type { IncidentStatus, NewIncidentEvent } from '../../src/incidents/types.js';
import type { Database } from '../../src/store/schema.js';

/**
 * Writes an incident as the incidents feature would: its row, and its timeline through
 * `appendEvents`. Returns its id.
 */
export async function insertIncident(
  db: Kysely<Database>,
  incident: {
    title: string;
    services: string[];
    status?: IncidentStatus;
    openedAt: number;
    resolvedAt?: number;
  },
  events: ReadonlyArray<Omit<NewIncidentEvent, 'incidentId'>> = [],
): Promise<number> {
  const row = await db
    .insertInto('incidents')
    .values({
      title: incident.title,
      severity: 'high',
      status: incident.status ?? 'investigating',
      services: JSON.stringify(incident.services),
      impact: 'internal impact text',
      eta: null,
      opened_at: incident.openedAt,
      opened_by: 'cli:alice',
      acknowledged_at: null,
      acknowledged_by: null,
      assignee: 'alice',
      resolved_at: incident.resolvedAt ?? null,
      resolved_by: incident.resolvedAt ? 'cli:alice' : null,
      last_update_at: incident.openedAt,
      escalation: JSON.stringify({ step: 0, round: 0 }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(row.id);
  await appendEvents(
    db,
    events.map((e) => ({ ...e, incidentId: id })),
  );
  return id;
}
