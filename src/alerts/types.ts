/**
 * Glossary of alerting.
 *
 * - origin: what decides which alerts should be open: check states, rules, backup runs. Each owns
 *   a key prefix (`check:`, `rule:`, `backup:`), and only alerts under its prefix are opened and closed by
 *   it. An alert's `origin` field (and label) names the kind: `check`, `rule`, `missed`, `delivery`,
 *   `backup`. (A backup *source* is what a backup dumps, a rule *series* what a rule reads: other words.)
 * - desired alert: what an origin says is true now ("backend.health is unhealthy").
 * - alert: a row that is open (pending, then firing) while its desired alert exists, then resolved.
 *   Deduplicated by key: at most one open alert per key.
 * - notification: one message about one alert event for one notifier, in the outbox before it is sent.
 * - delivery: one send to one notifier carrying one or more notifications (a digest), retried as a job.
 * - suppression: a silence or a maintenance window; the alert's state is recorded, its notifications
 *   are not sent.
 */

export type AlertState = 'pending' | 'firing' | 'resolved';

/** Where an alert comes from: its `origin` field and label. */
export type AlertOriginKind = 'check' | 'rule' | 'missed' | 'delivery' | 'backup' | 'deploy';

/** What an origin says should be open now. */
export interface DesiredAlert {
  key: string;
  origin: AlertOriginKind;
  name: string;
  severity: string;
  service?: string;
  checkId?: string;
  rule?: string;
  summary: string;
  value?: number | string | null;
  labels: Record<string, string>;
  /** Notifiers, already routed (the check's or rule's `notify`, the default, severity filters). */
  notify: string[];
  /** How long it must hold before firing; 0 fires at once. */
  forMs: number;
  repeatMs: number;
  /** Held as one flapping alert: it stays firing while its check flips. */
  flapping?: boolean;
  /** When it became true, if the origin knows (a check's state `since`); otherwise now. */
  since?: number;
}

/** Something that says which alerts under its key prefix should be open now. */
export interface AlertOrigin {
  readonly prefix: string;
  desired(now: number): Promise<DesiredAlert[]>;
  /**
   * One line saying what recovered, for an alert of its prefix that no longer holds ("backend.health is
   * healthy again after 12m: status == 200 passes"). Its resolve notification carries it instead of
   * the firing summary; without one, a generic line is used.
   */
  recovery?(alert: AlertRecord, now: number): Promise<string | undefined>;
}

/** An alert as read from the store. Times are epoch milliseconds. */
export interface AlertRecord {
  id: number;
  key: string;
  state: AlertState;
  origin: AlertOriginKind;
  name: string;
  severity: string;
  service: string | null;
  checkId: string | null;
  rule: string | null;
  summary: string;
  value: string | null;
  labels: Record<string, string>;
  notify: string[];
  repeatMs: number;
  flapping: boolean;
  startedAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  ackedAt: number | null;
  ackedBy: string | null;
  notifiedAt: number | null;
  announced: boolean;
  version: number;
  updatedAt: number;
  /** The runbooks started for it (`on: { alert }`) and how their runs went; empty when none. */
  remediation: AlertRemediation[];
}

/** A runbook started for an alert: its run (null when it was refused) and how it stands. */
export interface AlertRemediation {
  runbook: string;
  runId: number | null;
  /** `running`, `succeeded`, `failed`, `cancelled`, or `refused: <why>`. */
  status: string;
}

export type NotificationEvent = 'firing' | 'reminder' | 'acknowledged' | 'resolved' | 'escalated';

export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface Silence {
  id: number;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string | null;
  createdAt: number;
}
