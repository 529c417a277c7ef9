import { escapeLabel, family, type StoreSeries } from '../http/prom-text.js';
import type { Backups } from './backups.js';
import { type BackupStatus, backupStatus, type LastOutcome } from './status.js';

/** A number from a run's summary, when the run recorded one. */
function figure(outcome: LastOutcome | null, key: string): number | undefined {
  const value = (outcome?.summary as Record<string, unknown> | null | undefined)?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A duration in milliseconds from a run's summary, in seconds as Prometheus wants them. */
function seconds(outcome: LastOutcome | null, key: string): number | undefined {
  const ms = figure(outcome, key);
  return ms === undefined ? undefined : ms / 1000;
}

const succeeded = (outcome: LastOutcome | null): number | undefined =>
  outcome ? (outcome.status === 'succeeded' ? 1 : 0) : undefined;

interface Series {
  name: string;
  help: string;
  value: (status: BackupStatus) => number | undefined;
}

const SERIES: Series[] = [
  {
    name: 'dayshift_backup_last_success_timestamp_seconds',
    help: 'When the newest successful backup finished (Unix time).',
    value: (s) => (s.lastSuccess?.finishedAt ? s.lastSuccess.finishedAt / 1000 : undefined),
  },
  {
    name: 'dayshift_backup_last_success_size_bytes',
    help: 'Bytes the newest successful backup stored (before compression).',
    value: (s) => figure(s.lastSuccess, 'bytes'),
  },
  {
    name: 'dayshift_backup_last_success_duration_seconds',
    help: 'How long the newest successful backup took to dump and store.',
    value: (s) => seconds(s.lastSuccess, 'durationMs'),
  },
  {
    name: 'dayshift_backup_last_run_success',
    help: '1 when the newest backup run succeeded, 0 when it failed.',
    value: (s) => succeeded(s.lastRun),
  },
  {
    name: 'dayshift_backup_drill_last_success',
    help: '1 when the newest restore drill passed, 0 when it failed.',
    value: (s) => succeeded(s.lastDrill),
  },
  {
    name: 'dayshift_backup_drill_last_rto_seconds',
    help: 'The RTO the newest drill measured: wall time of restore plus assertions.',
    value: (s) => seconds(s.lastDrill, 'rtoMs'),
  },
  {
    name: 'dayshift_backup_drill_last_rpo_seconds',
    help: 'The RPO the newest drill measured: the age of the snapshot it restored.',
    value: (s) => seconds(s.lastDrill, 'rpoMs'),
  },
  {
    name: 'dayshift_backup_verify_last_success',
    help: '1 when the newest verify found every snapshot intact, 0 when it found damage or failed.',
    value: (s) => succeeded(s.lastVerify),
  },
  {
    name: 'dayshift_backup_rpo_target_seconds',
    help: "The backup's rpo: from the stack file.",
    value: (s) => (s.rpoMs === null ? undefined : s.rpoMs / 1000),
  },
  {
    name: 'dayshift_backup_rto_target_seconds',
    help: "The drill's rto: from the stack file.",
    value: (s) => (s.rtoMs === null ? undefined : s.rtoMs / 1000),
  },
];

/**
 * Per-backup series, read from the run records at scrape time so every node reports the same figures
 * whichever node ran the backup: the last success (time, size, duration), the last drill (outcome, RTO,
 * RPO), the last verify, and the targets to compare them with.
 */
export function backupSeries(backups: Backups): StoreSeries {
  return async () => {
    const statuses = await Promise.all(backups.names().map((name) => backupStatus(backups, name)));
    return SERIES.map((series) => {
      const lines: string[] = [];
      for (const status of statuses) {
        const value = series.value(status);
        if (value !== undefined)
          lines.push(
            `${series.name}{backup="${escapeLabel(status.name)}",repository="${escapeLabel(status.repository)}"} ${value}`,
          );
      }
      return family(series.name, 'gauge', series.help, lines);
    }).join('');
  };
}
