import { DayshiftError } from '../../errors.js';
import type { RunEvent } from '../../runbooks/engine.js';
import type { RunRecord } from '../../runs/records.js';
import type { Runs } from '../../runs/runs.js';
import { isFinished } from '../../runs/states.js';
import { describeDuration } from '../../schema/duration.js';
import { colorsOn, paint, tone } from '../../util/terminal.js';
import { formatTime, printTable } from '../table.js';

/*
 * How `dayshift run` and `run show` print a run on a terminal: a line per step as it ends, the
 * approval it waits for, its end; a whole run as a table.
 */

const MARK: Record<string, string> = { pass: '✓', fail: '✗', skipped: '-', cancelled: '✗', warn: '!' };

export function printEvent(event: RunEvent, runId: number, colours: boolean): void {
  switch (event.type) {
    case 'step':
      process.stdout.write(
        `${paint(MARK[event.outcome] ?? '?', event.outcome === 'pass' ? 'green' : event.outcome === 'skipped' ? undefined : 'red', colours)} ${event.position} ${event.name}: ${event.detail} (${describeDuration(event.durationMs)})\n`,
      );
      return;
    case 'waiting':
      process.stdout.write(
        `… ${event.position} ${event.name}: waiting for approval: ${event.message}\n  approve with \`dayshift approve ${runId}\`${event.approvers ? ` (by ${event.approvers.join(' or ')})` : ''} before ${new Date(event.deadline).toISOString()}\n`,
      );
      return;
    case 'approved':
      return;
    case 'end':
      process.stdout.write(
        `run ${runId} ${tone(event.status, colours)}${event.status === 'succeeded' ? '' : `: ${event.detail}`}\n`,
      );
  }
}

export function printRun(record: RunRecord): void {
  const colours = colorsOn(process.stdout);
  process.stdout.write(
    `run ${record.id}: ${record.kind} ${record.name}, ${tone(record.status, colours)}, started ${formatTime(record.startedAt)} by ${record.trigger}${record.finishedAt === null ? '' : `, took ${describeDuration(record.finishedAt - record.startedAt)}`}\n`,
  );
  const summary = record.summary as { error?: string; waitingFor?: { message: string } } | null;
  if (summary?.waitingFor) process.stdout.write(`waiting for approval: ${summary.waitingFor.message}\n`);
  if (summary?.error) process.stdout.write(`error: ${summary.error}\n`);
  if (record.steps.length === 0) return;
  printTable(
    ['#', 'STEP', 'KIND', 'OUTCOME', 'TOOK', 'DETAIL'],
    record.steps.map((s) => [
      String(s.position),
      s.name,
      s.kind,
      tone(s.outcome, colours),
      describeDuration(s.durationMs),
      detailOf(s.result),
    ]),
  );
}

function detailOf(result: unknown): string {
  if (result && typeof result === 'object') {
    const r = result as { detail?: unknown; error?: unknown };
    if (typeof r.detail === 'string') return r.detail;
    if (typeof r.error === 'string') return r.error;
  }
  return '';
}

/** Prints the steps of a run as they are recorded, polling the store, until it is finished. */
export async function follow(runs: Runs, first: RunRecord): Promise<RunRecord> {
  const colours = colorsOn(process.stdout);
  process.stdout.write(
    `run ${first.id}: ${first.kind} ${first.name}, started ${formatTime(first.startedAt)} by ${first.trigger}\n`,
  );
  let shown = 0;
  let record = first;
  let waitingShown = false;
  for (;;) {
    for (const s of record.steps.slice(shown))
      printEvent(
        {
          type: 'step',
          position: s.position,
          name: s.name,
          kind: s.kind,
          outcome: s.outcome,
          detail: detailOf(s.result),
          durationMs: s.durationMs,
        },
        record.id,
        colours,
      );
    shown = record.steps.length;
    const waiting = (
      record.summary as {
        waitingFor?: { message: string; position: number; step: string; deadline: number };
      } | null
    )?.waitingFor;
    if (record.status === 'waiting' && waiting && !waitingShown) {
      printEvent(
        {
          type: 'waiting',
          position: waiting.position,
          name: waiting.step,
          message: waiting.message,
          deadline: waiting.deadline,
        },
        record.id,
        colours,
      );
      waitingShown = true;
    }
    if (isFinished(record.status)) {
      printEvent(
        { type: 'end', status: record.status as 'succeeded', detail: detailOf(record.summary) },
        record.id,
        colours,
      );
      return record;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    record = await mustGet(runs, record.id);
  }
}

/** A run by id, or NOT_FOUND saying how to list them. */
export async function mustGet(runs: Runs, runId: number): Promise<RunRecord> {
  const record = await runs.get(runId);
  if (!record)
    throw new DayshiftError('NOT_FOUND', `there is no run ${runId}`, {
      hint: 'list runs with `dayshift runs`',
    });
  return record;
}
