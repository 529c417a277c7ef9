/**
 * Incidents, their timelines and their deadlines.
 *
 * Glossary
 * - incident: something that hurts users, with a severity, a status, the services it touches, and a
 *   timeline. Opened by hand, or by a firing alert the stack file's `incidents.open_on` matches.
 * - status: investigating → identified → monitoring → resolved (Statuspage's and Cachet's words). A
 *   status change is public: it appears on the status page.
 * - acknowledge: someone took it. Stops the escalation; meets (or misses) the `respond` deadline.
 * - timeline: the incident's append-only events, each with who and when. `public` ones reach the status
 *   page (opened, status changes, updates, resolved); the rest (notes, alerts, escalations, runs) never do.
 * - deadline: `respond` (respond_within, until acknowledged), `update` (update_every, counted from the
 *   last public update), `resolve` (resolve_within). Each is a job on the durable queue; when one passes
 *   unmet, the next escalation step runs. Met or missed, it is a timeline event.
 * - escalation: the severity's chain of steps (notify targets, wait, repeat); `{ step, round }` says
 *   which step runs next and how many times the chain has restarted.
 */

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Where an incident's escalation stands: the next step to run, and the restarts so far. */
export interface EscalationState {
  step: number;
  round: number;
}

/** One incident as read from the store. Times are epoch milliseconds. */
export interface Incident {
  id: number;
  title: string;
  severity: string;
  status: IncidentStatus;
  services: string[];
  impact: string | null;
  eta: string | null;
  openedAt: number;
  openedBy: string;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  assignee: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  lastUpdateAt: number;
  escalation: EscalationState;
  version: number;
}

/** The kinds of timeline events. */
export type IncidentEventType =
  /** Opened, by hand or by an alert. Public. */
  | 'opened'
  /** A status change, with the update's text. Public. */
  | 'status'
  /** A status update posted without a change of status. Public. */
  | 'update'
  /** An internal note: never public. */
  | 'note'
  | 'acknowledged'
  | 'assigned'
  | 'severity'
  /** Public. */
  | 'resolved'
  /** An alert attached (it fired while the incident was open, or opened it). */
  | 'alert.firing'
  | 'alert.resolved'
  /** A deadline met or missed: data `{ deadline, due, late? }`. */
  | 'deadline.met'
  | 'deadline.missed'
  /** An escalation step ran: data `{ step, round, targets }`. */
  | 'escalated'
  /** A deadline passed inside a maintenance window: data `{ deadline, window, until }`. */
  | 'escalation.held'
  /** A message went out (posted update, escalation page): data `{ notifier, status }`. */
  | 'notified'
  /** A runbook run or a deploy on one of the incident's services: data `{ run, kind, name, status, url }`. */
  | 'run';

export interface IncidentEvent {
  id: number;
  incidentId: number;
  at: number;
  type: IncidentEventType;
  /** Who: `cli:alice`, `token:ci`, `alert:12`, `dayshift`. */
  actor: string;
  public: boolean;
  text: string | null;
  data: Record<string, unknown> | null;
}

/** A timeline event to write; `key` makes it written once per incident. */
export interface NewIncidentEvent {
  incidentId: number;
  at: number;
  type: IncidentEventType;
  actor: string;
  public?: boolean;
  text?: string | null;
  data?: Record<string, unknown> | null;
  key?: string;
}
