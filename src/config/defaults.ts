/**
 * Every default of the stack file in one place, so the docs, the JSON Schema and the code agree.
 * Check timing follows Docker's healthcheck semantics, with a shorter timeout than Docker's 30s.
 */
export const DEFAULTS = {
  check: { every: '30s', timeout: '10s', retries: 3, startPeriod: '0s', recover: 1 },
  /** Severities when `incidents.severities` does not define its own. */
  severities: ['critical', 'high', 'medium', 'low'],
  /** Incident response deadlines when `incidents.severities` does not define its own: runbook 002's table. */
  respondWithin: { critical: '15m', high: '1h', medium: '4h', low: '24h' },
  /** On-call rotations: weekly shifts handing off at 09:00 local time, counted from a Monday. */
  oncall: { shift: '7d', handoff: '09:00', start: '2024-01-01' },
  server: { listen: '127.0.0.1:7070', metricsPublic: true },
  /** The embedded store, relative to the stack file's directory. */
  sqlitePath: '.dayshift/state.db',
  /** The environment variable that points every command at a shared PostgreSQL store. */
  databaseUrlVariable: 'DAYSHIFT_DATABASE_URL',
  /**
   * Deploys: how long the service has to turn healthy, how many releases keep their images, the longest
   * a step of a deploy by ref may run where it does not say, and how a migrating release's backup is
   * restored on a rollback past it (only once an operator approves).
   */
  deploy: { healthyWithin: '2m', keepReleases: 10, stepTimeout: '10m', restore: 'approve' },
  /**
   * Runbooks: the pause before a step's retry, the longest a whole run or one step may take where it
   * does not say, how long an approval waits, and how much of a step's output a run keeps.
   */
  runbook: {
    retryDelay: '5s',
    timeout: '2h',
    stepTimeout: '10m',
    approvalTimeout: '1h',
    outputBytes: 64 * 1024,
  },
  envFile: '.env',
  /**
   * How long check history is kept: raw samples, then minute, hour and day rollups; and how long the
   * finished runs of runbooks and service actions are kept, with their steps and evidence.
   */
  history: { raw: '48h', minute: '48h', hour: '14d', day: '400d', runs: '90d' },
  /** Alert behaviour where a check or rule does not say (Alertmanager's repeat is 4h, its group interval 5m). */
  alerting: {
    evaluateEvery: '15s',
    repeat: '4h',
    groupInterval: '30s',
    flapping: { changes: 6, window: '10m' },
  },
  /**
   * The logs kept as evidence before a restart, stop, rebuild or redeploy: the last `since` of them,
   * at most `maxBytes` kept (the evidence layer's own bound, 256 KiB, is the most), read within
   * `timeout` so that an emergency restart is never held up for long by a slow or hung log reader.
   */
  evidence: { logsBeforeActing: { since: '15m', maxBytes: 256 * 1024, timeout: '10s' } },
} as const;
