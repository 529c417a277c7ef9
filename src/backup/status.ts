import type { RunSummary } from '../runs/records.js';
import type { Backups } from './backups.js';

/** The last outcome of one kind of backup work, from its run record. */
export interface LastOutcome {
  runId: number;
  status: string;
  startedAt: number;
  finishedAt: number | null;
  summary: unknown;
}

/** What the API and `/metrics` say about one backup: its settings and its newest runs. */
export interface BackupStatus {
  name: string;
  description: string | null;
  source: string;
  repository: string;
  schedule: string | null;
  rpoMs: number | null;
  rtoMs: number | null;
  /** The newest backup run, whatever its outcome. */
  lastRun: LastOutcome | null;
  /** The newest backup run that stored a snapshot. */
  lastSuccess: LastOutcome | null;
  lastDrill: LastOutcome | null;
  lastVerify: LastOutcome | null;
}

const outcomeOf = (run: RunSummary | undefined): LastOutcome | null =>
  run
    ? {
        runId: run.id,
        status: run.status,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        summary: run.summary,
      }
    : null;

/** A backup's status, read from the run records (cheap: no repository is opened). */
export async function backupStatus(backups: Backups, name: string): Promise<BackupStatus> {
  const backup = backups.configOf(name);
  const runs = backups.env.runs;
  const [lastRun, lastSuccess, lastDrill, lastVerify] = await Promise.all([
    runs.latest('backup', name),
    runs.latest('backup', name, 'succeeded'),
    runs.latest('drill', name),
    runs.latest('verify', name),
  ]);
  return {
    name,
    description: backup.description ?? null,
    source: backup.source.kind,
    repository: backup.repository,
    schedule: backup.schedule ?? null,
    rpoMs: backup.rpo ?? null,
    rtoMs: backup.drill?.rto ?? null,
    lastRun: outcomeOf(lastRun),
    lastSuccess: outcomeOf(lastSuccess),
    lastDrill: outcomeOf(lastDrill),
    lastVerify: outcomeOf(lastVerify),
  };
}
