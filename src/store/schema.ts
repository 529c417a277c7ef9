import type { Generated } from 'kysely';

/**
 * Every table of the store, as Kysely sees it. Times are epoch milliseconds (bigint in PostgreSQL,
 * integer in SQLite); JSON values are text, so both backends store them alike.
 */
export interface Database {
  jobs: JobsTable;
  job_events: JobEventsTable;
  schedules: SchedulesTable;
  api_tokens: ApiTokensTable;
  check_states: CheckStatesTable;
  check_samples: CheckSamplesTable;
  check_rollups: CheckRollupsTable;
  history_watermarks: HistoryWatermarksTable;
  check_transitions: CheckTransitionsTable;
  heartbeats: HeartbeatsTable;
  heartbeat_pings: HeartbeatPingsTable;
  nodes: NodesTable;
  check_leases: CheckLeasesTable;
  runs: RunsTable;
  run_steps: RunStepsTable;
  run_evidence: RunEvidenceTable;
  alerts: AlertsTable;
  alert_events: AlertEventsTable;
  notifications: NotificationsTable;
  deliveries: DeliveriesTable;
  silences: SilencesTable;
  maintenance_windows: MaintenanceWindowsTable;
  backup_manifests: BackupManifestsTable;
  audit_log: AuditLogTable;
  releases: ReleasesTable;
  incidents: IncidentsTable;
  incident_events: IncidentEventsTable;
  incident_alerts: IncidentAlertsTable;
  oncall_overrides: OncallOverridesTable;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  payload: string;
  status: string;
  priority: number;
  run_at: number;
  attempts: number;
  max_attempts: number;
  unique_key: string | null;
  concurrency_key: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  result: string | null;
  progress: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface JobEventsTable {
  id: Generated<number>;
  job_id: number;
  at: number;
  type: string;
  data: string | null;
}

export interface SchedulesTable {
  name: string;
  kind: string;
  payload: string;
  every_ms: number | null;
  cron: string | null;
  timezone: string | null;
  next_run_at: number;
  last_run_at: number | null;
  updated_at: number;
}

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  role: string;
  token_hash: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface CheckStatesTable {
  check_id: string;
  state: string;
  since: number;
  /** When monitoring began: start_period counts from here. */
  monitored_since: number;
  /** Consecutive failed runs, and consecutive passing runs, as Docker counts them. */
  failures: number;
  successes: number;
  last_at: number | null;
  last_outcome: string | null;
  last_latency_ms: number | null;
  last_reason: string | null;
  /** The last result as JSON: conditions with actual values, values, timings. */
  last_result: string | null;
  updated_at: number;
}

export interface CheckSamplesTable {
  check_id: string;
  at: number;
  outcome: string;
  latency_ms: number;
  /** JSON: error, failed conditions and values; null for a plain pass with nothing to say. */
  detail: string | null;
}

export interface CheckRollupsTable {
  check_id: string;
  /** 'm' | 'h' | 'd': minute, hour or day (src/history/resolutions.ts). */
  resolution: string;
  start: number;
  count: number;
  failures: number;
  warnings: number;
  latency_sum: number;
  latency_max: number;
  /** The latency sketch, encoded by src/history/sketch.ts. */
  sketch: string;
}

export interface HistoryWatermarksTable {
  /** 'm' | 'h' | 'd' */
  resolution: string;
  /** Every period of this resolution that starts before this time is rolled up and final. */
  rolled_until: number;
}

export interface CheckTransitionsTable {
  id: Generated<number>;
  check_id: string;
  at: number;
  from_state: string;
  to_state: string;
  reason: string | null;
  node: string | null;
}

export interface HeartbeatsTable {
  check_id: string;
  token: string;
  created_at: number;
  last_ping_at: number | null;
  last_start_at: number | null;
  last_fail_at: number | null;
  pings: number;
  /** The run id of the start that is still open (last_start_at), if it gave one. */
  last_start_rid: string | null;
  /** How long the last run that paired with its start took. */
  last_duration_ms: number | null;
}

export interface HeartbeatPingsTable {
  id: Generated<number>;
  check_id: string;
  at: number;
  /** success, fail, start or log. */
  kind: string;
  exit_status: number | null;
  rid: string | null;
  method: string;
  /** What the ping carried, cut to the body limit and scrubbed of secrets. */
  body: string;
  /** The size of the body as sent, before it was cut. */
  body_bytes: number;
  /** A finish's time since the start it pairs with; null when it has none. */
  duration_ms: number | null;
}

export interface NodesTable {
  id: string;
  host: string;
  pid: number;
  location: string | null;
  started_at: number;
  seen_at: number;
  /** Raised each time other nodes take leases from this one (src/monitor/check-leases.ts). */
  fence: Generated<number>;
  /** SHA-256 of the stack file (and its .env) the node serves; null for a node without one. */
  config_hash: string | null;
}

/** Which node may run a check now (src/monitor/check-leases.ts). */
export interface CheckLeasesTable {
  check_id: string;
  /** The holder; null once released. A lease lasts while its holder's row in `nodes` is live. */
  node_id: string | null;
  /** The fencing token: one more with every claim; results are written only under the current one. */
  epoch: number;
  claimed_at: number;
}

export interface RunsTable {
  id: Generated<number>;
  /** 'backup', 'drill', 'verify', 'restore', 'smoke'; runbooks and deploys later. */
  kind: string;
  name: string;
  /** A RunStatus (src/runs/states.ts): 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' */
  status: string;
  /** Who or what started it: 'cli', 'api', a deploy. */
  trigger: string;
  started_at: number;
  finished_at: number | null;
  summary: string | null;
  /** The process that opened the run (see src/runs/holder.ts); null before migration 007. */
  holder_host: string | null;
  holder_pid: number | null;
  holder_started: string | null;
  /** The job whose attempt opened the run; null when none did (the CLI). */
  holder_job: number | null;
}

export interface RunStepsTable {
  run_id: number;
  position: number;
  name: string;
  kind: string;
  /** 'pass' | 'warn' | 'fail' | 'skipped' */
  outcome: string;
  started_at: number;
  duration_ms: number;
  /** The step's result as JSON, with captured values replaced. */
  result: string | null;
}

/** Evidence a run captured (src/runs/evidence.ts); content scrubbed and cut to its bound. */
export interface RunEvidenceTable {
  id: Generated<number>;
  run_id: number;
  /** The position of the step it belongs to; null for the run as a whole. */
  step: number | null;
  name: string;
  /** 'log' | 'output' | 'file' */
  kind: string;
  content: string;
  /** UTF-8 bytes of the whole content, before it was cut. */
  size: number;
  /** SHA-256 (hex) of the whole content, before it was cut. */
  sha256: string;
  /** 1 when the content was cut to its bound, else 0. */
  truncated: number;
  captured_at: number;
}

export interface AlertsTable {
  id: Generated<number>;
  /** `check:backend.health`, `check:backend.health:warning`, `rule:api-slow`, `missed:...`, `delivery:ops`. */
  key: string;
  /** The key while the alert is open, null once resolved: one open alert per key. */
  open_key: string | null;
  /** 'pending' | 'firing' | 'resolved' */
  state: string;
  /** Where it comes from: 'check' | 'rule' | 'missed' | 'delivery' | 'backup' (011 renamed it from `source`). */
  origin: string;
  name: string;
  severity: string;
  service: string | null;
  check_id: string | null;
  rule: string | null;
  summary: string;
  value: string | null;
  /** JSON object of label → value. */
  labels: string;
  /** JSON array of notifier names. */
  notify: string;
  repeat_ms: number;
  flapping: number;
  started_at: number;
  fired_at: number | null;
  resolved_at: number | null;
  acked_at: number | null;
  acked_by: string | null;
  notified_at: number | null;
  announced: number;
  /** Bumped by every change; a change applies only where the version is the one read. */
  version: number;
  updated_at: number;
  /** JSON list of the runbooks started for it: `{ runbook, runId, status }` (015); null when none. */
  remediation: string | null;
}

export interface AlertEventsTable {
  id: Generated<number>;
  alert_id: number;
  at: number;
  /** 'pending' | 'firing' | 'reminder' | 'acknowledged' | 'resolved' | 'flapping' | 'steady' | 'suppressed' */
  type: string;
  detail: string | null;
}

export interface NotificationsTable {
  id: Generated<number>;
  alert_id: number;
  notifier: string;
  /** 'firing' | 'reminder' | 'acknowledged' | 'resolved' */
  event: string;
  dedup_key: string;
  /** 'pending' | 'claimed' | 'sent' | 'failed' | 'suppressed' */
  status: string;
  suppressed_by: string | null;
  delivery_id: string | null;
  created_at: number;
}

export interface DeliveriesTable {
  id: string;
  notifier: string;
  /** 'sending' | 'sent' | 'failed' */
  status: string;
  alerts: number;
  attempts: number;
  created_at: number;
  sent_at: number | null;
  last_error: string | null;
  receipt_status: number | null;
  receipt_detail: string | null;
}

export interface SilencesTable {
  id: Generated<number>;
  /** JSON array of { name, op: '=' | '!=' | '=~' | '!~', value }. */
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string | null;
  created_at: number;
}

export interface MaintenanceWindowsTable {
  id: Generated<number>;
  name: string;
  starts_at: number;
  ends_at: number;
  /** JSON array of service names; null for the whole stack. */
  services: string | null;
  created_by: string;
  description: string | null;
  created_at: number;
}

export interface BackupManifestsTable {
  /** The repository's name in the stack file. */
  repository: string;
  snapshot: string;
  backup: string;
  created_at: number;
  /** The snapshot's manifest as JSON (src/backup/repository.ts Snapshot). */
  manifest: string;
}

/** One action someone took (src/audit/): append-only, a trigger refuses UPDATE and DELETE. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  /** `token:<name>` or `cli:<os user>@<host>`. */
  actor: string;
  /** `token.create`, `silence.create`, `backup.restore`, ... */
  action: string;
  target: string | null;
  /** The action's parameters as JSON, scrubbed of secrets. */
  params: string;
  /** `ok`, `failed: <message>` or `refused: <code>`. */
  result: string;
  run_id: number | null;
}

/** One deploy or rollback of a service (src/deploys/releases.ts). */
export interface ReleasesTable {
  id: Generated<number>;
  service: string;
  /** 'image' | 'ref' */
  kind: string;
  /** `repo@sha256:<64 hex>` for an image, a full commit sha for a ref. */
  target: string;
  /** The tag or ref as it was asked for, before it was pinned. */
  requested: string;
  /** 'deploy' | 'rollback' */
  action: string;
  run_id: number | null;
  /** 'deploying' | 'verified' | 'failed' | 'interrupted' */
  state: string;
  /** 1 once verified, else 0. */
  known_good: number;
  created_by: string;
  created_at: number;
  applied_at: number | null;
  finished_at: number | null;
  previous_id: number | null;
  /** JSON `{ backup, snapshot }`, or null. */
  backup: string | null;
  /** JSON object: gates, apply, verification, failure; or null. */
  detail: string | null;
}

/** One incident (src/incidents/). */
export interface IncidentsTable {
  id: Generated<number>;
  title: string;
  severity: string;
  /** 'investigating' | 'identified' | 'monitoring' | 'resolved' */
  status: string;
  /** JSON array of service names. */
  services: string;
  impact: string | null;
  eta: string | null;
  opened_at: number;
  opened_by: string;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  assignee: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  last_update_at: number;
  /** JSON `{ step, round }`. */
  escalation: string;
  version: Generated<number>;
}

/** One event of an incident's timeline; append-only. */
export interface IncidentEventsTable {
  id: Generated<number>;
  incident_id: number;
  at: number;
  type: string;
  actor: string;
  /** 1 when shown on the status page. */
  public: Generated<number>;
  text: string | null;
  /** JSON object. */
  data: string | null;
  /** Unique per incident when set: the event is written once. */
  key: string | null;
}

/** An alert attached to an incident; an alert belongs to one incident at most. */
export interface IncidentAlertsTable {
  alert_id: number;
  incident_id: number;
  attached_at: number;
}

/** A dated swap on an on-call rotation: `person` is on call from `starts_at` to `ends_at`. */
export interface OncallOverridesTable {
  id: Generated<number>;
  rotation: string;
  person: string;
  starts_at: number;
  ends_at: number;
  reason: string | null;
  created_by: string;
  created_at: number;
}
