/**
 * A run recorded from start to end through the one recorder, on both stores: steps in order with
 * their outcomes, a failing step's error recorded and passed on, evidence kept with its step, a pause
 * on an approval taken up again by another attempt, an operator's cancel that the work's own end
 * cannot overwrite, and no secret value anywhere in what is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DayshiftError } from '../../src/errors.js';
import { type JobAttempt, RunRecorder } from '../../src/runs/recorder.js';
import { Runs } from '../../src/runs/runs.js';
import { Secret } from '../../src/schema/secret.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

const TOKEN = 'recorder-canary-token-5d1e';
new Secret(TOKEN);

/** A job attempt that remembers the runs it was told it holds. */
function attempt(job: number): JobAttempt & { held: number[] } {
  const held: number[] = [];
  return { job, held, started: async (runId) => void held.push(runId) };
}

describe.each(STORE_KINDS)('the run recorder on %s', (kind) => {
  let test: TestStore;
  let runs: Runs;
  // Moved by hand, so each step's duration is exact.
  const clock = new ManualClock(Date.UTC(2030, 0, 1));

  beforeAll(async () => {
    test = await createTestStore(kind);
    runs = new Runs((await test.open()).db, clock);
  });
  afterAll(async () => {
    await test?.destroy();
  });

  it('records steps, evidence, a pause for approval, the resumed steps and the end, in order', async () => {
    const first = attempt(7);
    const recorder = await RunRecorder.start(runs, clock, 'runbook', 'restart-worker', 'cli', first);
    expect(first.held).toEqual([recorder.runId]);
    expect((await runs.running({ kinds: ['runbook'] }))[0]).toMatchObject({ id: recorder.runId, job: 7 });

    const logs = await recorder.step('logs', 'logs', async (scope) => {
      clock.advance(120);
      return scope.evidence({ name: 'worker logs', kind: 'log', content: 'started\nready\n' });
    });
    expect(logs).toMatchObject({ step: 1, kind: 'log', size: 14, truncated: false });
    const failure = await recorder
      .step('restart', 'restart', async () => {
        clock.advance(30);
        throw new DayshiftError('NOT_FOUND', 'no service worker', { hint: 'name one under services:' });
      })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DayshiftError);
    await recorder.record({
      name: 'check',
      kind: 'check',
      outcome: 'warn',
      startedAt: clock.now(),
      result: null,
    });
    await recorder.wait({ waitingFor: 'approval to restart by hand' });
    expect((await runs.get(recorder.runId))?.status).toBe('waiting');

    // The approval arrives in another process: a new attempt takes the run up after its last step.
    const second = attempt(8);
    const resumed = await RunRecorder.resume(runs, clock, recorder.runId, second);
    expect(second.held).toEqual([recorder.runId]);
    await resumed.step(
      'approve',
      'approve',
      async () => 'alice',
      (by) => ({ by }),
    );
    await resumed.evidence({ name: 'note', kind: 'output', content: 'approved at the desk' });
    await resumed.finish('succeeded', { steps: 4 });

    const run = await runs.get(recorder.runId);
    expect(run).toMatchObject({ status: 'succeeded', summary: { steps: 4 }, trigger: 'cli' });
    expect(run?.steps.map((s) => [s.position, s.name, s.outcome, s.durationMs, s.result])).toEqual([
      [1, 'logs', 'pass', 120, null],
      [2, 'restart', 'fail', 30, { error: 'no service worker', hint: 'name one under services:' }],
      [3, 'check', 'warn', 0, null],
      [4, 'approve', 'pass', 0, { by: 'alice' }],
    ]);
    expect((await runs.evidence(recorder.runId)).map((e) => [e.step, e.name, e.kind])).toEqual([
      [1, 'worker logs', 'log'],
      [null, 'note', 'output'],
    ]);
  });

  it('does not let the work overwrite an operator cancel, and keeps the cancel when the work then fails', async () => {
    const recorder = await RunRecorder.start(runs, clock, 'runbook', 'cancelled', 'api');
    await runs.finish(recorder.runId, 'cancelled', { by: 'operator' });
    const error = await recorder.finish('succeeded', { done: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RUN_STATE_CONFLICT' });
    expect(await recorder.fail(new Error('aborted'))).toBe(false);
    await expect(recorder.evidence({ name: 'late', kind: 'log', content: 'x' })).rejects.toMatchObject({
      code: 'RUN_STATE_CONFLICT',
    });
    expect(await runs.get(recorder.runId)).toMatchObject({
      status: 'cancelled',
      summary: { by: 'operator' },
    });
    expect(await runs.evidence(recorder.runId)).toEqual([]);
  });

  it('closes a run it is told was cancelled, and a failed run with the error', async () => {
    const cancelled = await RunRecorder.start(runs, clock, 'runbook', 'stopped', 'cli');
    await cancelled.cancel({ by: 'alice', reason: 'wrong window' });
    expect(await runs.get(cancelled.runId)).toMatchObject({
      status: 'cancelled',
      summary: { by: 'alice', reason: 'wrong window' },
      finishedAt: clock.now(),
    });
    const failed = await RunRecorder.start(runs, clock, 'runbook', 'broken', 'cli');
    expect(await failed.fail(new Error('the agent refused'))).toBe(true);
    expect(await runs.get(failed.runId)).toMatchObject({
      status: 'failed',
      summary: { error: 'the agent refused' },
    });
  });

  it('refuses to resume a run that is not waiting', async () => {
    const recorder = await RunRecorder.start(runs, clock, 'runbook', 'not-paused', 'cli');
    await expect(RunRecorder.resume(runs, clock, recorder.runId)).rejects.toMatchObject({
      code: 'RUN_STATE_CONFLICT',
      message: `run ${recorder.runId} is running; it cannot become running`,
    });
  });

  it('records no secret value: step names, results, errors, pauses, summaries and evidence', async () => {
    const recorder = await RunRecorder.start(runs, clock, 'runbook', 'secrets', 'cli');
    await recorder.step(
      `call with ${TOKEN}`,
      'http',
      async () => ({ header: `Bearer ${TOKEN}` }),
      (r) => r,
    );
    await recorder
      .step('fails', 'http', async () => {
        throw new DayshiftError('BAD_REQUEST', `refused ${TOKEN}`, { hint: `rotate ${TOKEN}` });
      })
      .catch(() => undefined);
    await recorder.evidence({ name: `env ${TOKEN}`, kind: 'output', content: `TOKEN=${TOKEN}\n` });
    await recorder.wait({ waitingFor: `approval of ${TOKEN}` });
    const waiting = JSON.stringify(await runs.get(recorder.runId));
    expect(waiting).not.toContain(TOKEN);
    expect(waiting).toContain('[redacted]');
    const resumed = await RunRecorder.resume(runs, clock, recorder.runId);
    await resumed.finish('failed', { last: TOKEN });
    const [item] = await runs.evidence(recorder.runId);
    const everything = JSON.stringify([
      await runs.get(recorder.runId),
      await runs.evidence(recorder.runId),
      await runs.evidenceItem(recorder.runId, item?.id ?? 0),
    ]);
    expect(everything).not.toContain(TOKEN);
    expect((await runs.evidenceItem(recorder.runId, item?.id ?? 0))?.content).toBe('TOKEN=[redacted]\n');
  });
});
