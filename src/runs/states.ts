import { DayshiftError } from '../errors.js';

/**
 * Where a run stands:
 * - `running`: a process (and maybe a job's attempt) holds it and is doing its steps;
 * - `waiting`: paused on an approval; no process holds it, it is not finished, and it can resume;
 * - `succeeded`, `failed`: finished by its own work. A run whose process stopped before it finished
 *   (killed, its lease lost) is settled as `failed` with an `interrupted: ...` reason: there is no
 *   separate status for it, since what a user must do is the same as for any failure;
 * - `cancelled`: stopped by an operator; finished.
 */
export type RunStatus = 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';

/** A status a run never leaves. */
export type FinishedRunStatus = 'succeeded' | 'failed' | 'cancelled';

export const RUN_STATUSES: readonly RunStatus[] = ['running', 'waiting', 'succeeded', 'failed', 'cancelled'];

export const FINISHED_RUN_STATUSES: readonly FinishedRunStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * Every move a run may make, in one place. A run is opened `running`; a finished run never moves
 * again, so a late writer (a settlement after a crash, an attempt that lost its lease) cannot
 * overwrite how it ended. A waiting run goes back to `running` before it can succeed: whatever
 * resumes it records the steps after the approval.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  running: ['waiting', 'succeeded', 'failed', 'cancelled'],
  waiting: ['running', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

/** Whether a run may move from `from` to `to`. */
export function canMove(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

/** The statuses a run may move to `to` from. */
export function statusesBefore(to: RunStatus): RunStatus[] {
  return RUN_STATUSES.filter((from) => canMove(from, to));
}

/** Whether a run in this status is finished. */
export function isFinished(status: RunStatus): status is FinishedRunStatus {
  return RUN_TRANSITIONS[status].length === 0;
}

/** The error for a move the table refuses: what the run is, what was asked, and what it allows. */
export function runStateConflict(runId: number, from: RunStatus, to: RunStatus): DayshiftError {
  const allowed = RUN_TRANSITIONS[from];
  return new DayshiftError('RUN_STATE_CONFLICT', `run ${runId} is ${from}; it cannot become ${to}`, {
    hint:
      allowed.length > 0
        ? `a ${from} run can become ${allowed.join(', ')}`
        : `a ${from} run is finished and never changes: start a new run`,
  });
}
