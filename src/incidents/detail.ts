import type { Incidents } from './incidents.js';
import { knownPolicy } from './policy.js';
import { type IncidentReport, incidentReport } from './report.js';
import { renderIncident } from './template.js';
import type { Incident, IncidentEvent } from './types.js';

/** An incident with its whole timeline and its communication as the template renders it now. */
export interface IncidentDetail {
  incident: Incident;
  timeline: IncidentEvent[];
  communication: string;
}

/**
 * The incident's whole story for the team (every timeline event, internal notes included: the status
 * page is the public view), with its communication rendered from the file's template.
 */
export async function incidentDetail(incidents: Incidents, id: number): Promise<IncidentDetail> {
  const { incident, timeline } = await incidents.show(id);
  const communication = renderIncident(incident, timeline, incidents.config.incidents?.template);
  return { incident, timeline, communication };
}

/** The post-incident report of one incident, against its severity's deadlines as the file says now. */
export async function reportOf(incidents: Incidents, id: number): Promise<IncidentReport> {
  const { incident, timeline } = await incidents.show(id);
  // A severity the file no longer has: the report still holds the times, without deadlines.
  const policy = knownPolicy(incidents.config, incident.severity);
  return incidentReport(incident, timeline, policy, incidents.clock.now());
}
