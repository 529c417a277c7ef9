import type { Selectable } from 'kysely';
import type { Database } from '../store/schema.js';
import type { RunHolder } from './holder.js';
import type { RunStatus } from './states.js';

/** One step of a run as it ended: its place, what it was, how it ended, when, how long, and its result. */
export interface RunStepRecord {
  position: number;
  name: string;
  kind: string;
  outcome: string;
  startedAt: number;
  durationMs: number;
  result: unknown;
}

/** A run without its steps, as lists show it. */
export type RunSummary = Omit<RunRecord, 'steps'>;

/** A run with its steps, in order. */
export interface RunRecord {
  id: number;
  kind: string;
  name: string;
  status: RunStatus;
  trigger: string;
  startedAt: number;
  finishedAt: number | null;
  summary: unknown;
  steps: RunStepRecord[];
}

/**
 * A run still marked running, the process holding it (null: recorded before holders were) and the
 * job whose attempt opened it (null: none did).
 */
export type RunningRun = RunSummary & { holder: RunHolder | null; job: number | null };

/** A run's row as the API and the CLI show it: JSON columns parsed, times as numbers. */
export function summaryOf(run: Selectable<Database['runs']>): RunSummary {
  return {
    id: Number(run.id),
    kind: run.kind,
    name: run.name,
    status: run.status as RunStatus,
    trigger: run.trigger,
    startedAt: Number(run.started_at),
    finishedAt: run.finished_at === null ? null : Number(run.finished_at),
    summary: run.summary ? JSON.parse(run.summary) : null,
  };
}
