/**
 * Runbooks carried out in this process on real commands and a real store (SQLite, and PostgreSQL for
 * what several processes share): parameters checked before a run opens; `when:`, retries,
 * `continue_on_error` and `on_failure`; a step's timeout enforced by killing its process group; the
 * output kept capped with its whole size; one run at a time, refused with the running run's id; the
 * `max_runs` guard; an approval that pauses the run and resumes it, one that times out, one refused to
 * someone the step does not name; a cancel that kills the running step's group; a run whose process
 * died closed as interrupted.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupMembers } from '../../src/drivers/shared/pids.js';
import { DayshiftError } from '../../src/errors.js';
import type { RunEvent } from '../../src/runbooks/engine.js';
import { Runbooks } from '../../src/runbooks/runbooks.js';
import type { Store } from '../../src/store/index.js';
import { systemClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, type StoreKind, type TestStore } from '../helpers/stores.js';
import { until, within } from '../helpers/wait.js';

const YAML = `version: 1
services:
  cache:
    checks:
      up: { tcp: { host: 127.0.0.1, port: 6379 } }
      down: { tcp: { host: 127.0.0.1, port: 9 }, retries: 1 }
runbooks:
  basics:
    params:
      who: { type: string, default: ops }
      replicas: { type: number, default: 2, min: 1, max: 5 }
      force: { type: boolean, default: false }
    steps:
      - name: greet
        shell: echo "hello {{ params.who }} $$DAYSHIFT_PARAM_REPLICAS"
      - check: cache.up
      - name: forced
        shell: echo forced
        when: params.force == true
      - name: after-greet
        shell: echo greeted
        when: steps.greet.outcome == "pass"
      - name: flaky
        shell: 'n=$$(cat tries 2>/dev/null || echo 0); n=$$((n+1)); echo $$n > tries; [ $$n -ge 3 ]'
        retries: 3
        retry_delay: 50ms
      - name: tolerated
        shell: exit 7
        continue_on_error: true
      - name: chatty
        shell: "yes 0123456789abcdef | head -c 200000"
  failing:
    steps:
      - shell: echo first
      - check: cache.down
      - name: never
        shell: echo never
    on_failure:
      - name: cleanup
        shell: echo cleaned > cleaned
  slow-step:
    steps:
      - name: sleeper
        timeout: 1s
        shell: "sleep 600 & echo $$! > child.pid; sleep 600"
  gated:
    concurrency: 1
    steps:
      - approve: { message: "go ahead?", approvers: [alice], timeout: 30s }
      - name: after
        shell: echo approved
  short-gate:
    steps:
      - approve: { message: "quick", timeout: 300ms }
    on_failure:
      - name: noted
        shell: echo timed-out > gate-failed
  limited:
    max_runs: 2
    concurrency: 5
    steps:
      - shell: "true"
  overdue:
    timeout: 1s
    steps:
      - shell: sleep 30
      - name: never
        shell: echo never
    on_failure:
      - name: cleanup
        shell: echo cleaned-after-timeout > overdue-cleaned
  long:
    steps:
      - name: sleeper
        shell: "sleep 600 & echo $$! > long-child.pid; sleep 600"
`;

let stack: ReturnType<typeof stackFrom>;
let sqlite: TestStore;
let store: Store;
let runbooks: Runbooks;

beforeAll(async () => {
  stack = stackFrom(YAML);
  sqlite = await createTestStore('sqlite');
  store = await sqlite.open();
  runbooks = new Runbooks({
    config: stack.config,
    configPath: stack.configPath,
    baseDir: stack.dir,
    store,
    clock: systemClock,
  });
});
afterAll(async () => {
  await sqlite.destroy();
});

async function carryOut(name: string, params: Record<string, unknown> = {}, events: RunEvent[] = []) {
  const { recorder, plan } = await runbooks.open(name, params, 'test');
  const end = await runbooks.execute(recorder, plan, { onEvent: (e) => events.push(e), pollMs: 50 });
  const run = await runbooks.runs.get(recorder.runId);
  return { end, run: run as NonNullable<typeof run>, runId: recorder.runId };
}

const stepOf = (run: { steps: { name: string }[] }, name: string) => {
  const step = run.steps.find((s) => s.name === name);
  if (!step) throw new Error(`no step ${name} in ${JSON.stringify(run.steps.map((s) => s.name))}`);
  return step as { name: string; outcome: string; result: Record<string, unknown> };
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a run of a runbook', () => {
  it('refuses parameters that are unknown, of the wrong type or out of bounds, all at once, before a run opens', async () => {
    const before = (await runbooks.runs.list({ kinds: ['runbook'] })).length;
    const error = await runbooks
      .open('basics', { replicas: '9', colour: 'red', force: 'yes' }, 'test')
      .catch((e) => e);
    expect(error).toBeInstanceOf(DayshiftError);
    expect(error.code).toBe('PARAM_INVALID');
    expect(error.message).toContain('colour is not a parameter of basics');
    expect(error.message).toContain('replicas must be at most 5');
    expect(error.message).toContain('force must be a boolean');
    expect(error.hint).toContain('replicas (number, default 2)');
    expect((await runbooks.runs.list({ kinds: ['runbook'] })).length).toBe(before);
  });

  it('runs its steps in order with parameters, when:, retries and continue_on_error, and keeps capped output', async () => {
    const events: RunEvent[] = [];
    const { end, run } = await carryOut('basics', { who: 'alice', replicas: '3' }, events);
    expect(end.status).toBe('succeeded');
    expect(run.status).toBe('succeeded');
    expect(run.summary).toMatchObject({ params: { who: 'alice', replicas: 3, force: false } });
    expect(stepOf(run, 'greet').result.output).toBe('hello alice 3\n');
    expect(stepOf(run, 'check').outcome).toBe('pass');
    expect(stepOf(run, 'forced').outcome).toBe('skipped');
    expect(stepOf(run, 'after-greet').outcome).toBe('pass');
    const flaky = stepOf(run, 'flaky');
    expect(flaky.outcome).toBe('pass');
    expect((flaky.result.result as { attempts: number }).attempts).toBe(3);
    expect(readFileSync(path.join(stack.dir, 'tries'), 'utf8').trim()).toBe('3');
    expect(stepOf(run, 'tolerated').outcome).toBe('fail');
    const chatty = stepOf(run, 'chatty');
    expect(chatty.result.outputBytes).toBe(200_000);
    expect(Buffer.byteLength(chatty.result.output as string)).toBeLessThanOrEqual(64 * 1024);
    // Each step was reported as it ended, in order, then the end.
    expect(events.filter((e) => e.type === 'step').map((e) => (e as { name: string }).name)).toEqual(
      run.steps.map((s) => s.name),
    );
    expect(events.at(-1)).toMatchObject({ type: 'end', status: 'succeeded' });
  });

  it('stops at a failed step, runs on_failure, and records the failure', async () => {
    const { end, run } = await carryOut('failing');
    expect(end.status).toBe('failed');
    expect(run.status).toBe('failed');
    expect(run.steps.map((s) => `${s.name}:${s.outcome}`)).toEqual([
      'shell:pass',
      'check:fail',
      'on_failure.cleanup:pass',
    ]);
    expect(readFileSync(path.join(stack.dir, 'cleaned'), 'utf8').trim()).toBe('cleaned');
    expect(run.summary).toMatchObject({ failedStep: 'check' });
    expect(JSON.stringify(run.summary)).toContain('cache.down fails');
  });

  it("kills a step's whole process group at its timeout, and fails the step saying so", async () => {
    const { run } = await carryOut('slow-step');
    const step = stepOf(run, 'sleeper');
    expect(step.outcome).toBe('fail');
    expect(step.result.detail).toContain('timeout');
    const child = Number(readFileSync(path.join(stack.dir, 'child.pid'), 'utf8'));
    await until(
      () => (alive(child) ? undefined : true),
      `the step's background child ${child} to be gone`,
      10_000,
    );
  });

  it('is refused with the running run named while another runs, and allows max_runs an hour', async () => {
    const first = await runbooks.open('limited', {}, 'test');
    const second = await runbooks.open('limited', {}, 'test');
    const third = await runbooks.open('limited', {}, 'test').catch((e) => e);
    expect(third.code).toBe('RUNBOOK_RATE_LIMITED');
    for (const opened of [first, second]) await runbooks.execute(opened.recorder, opened.plan);
  });
});

describe("a run's own timeout", () => {
  it('stops the step running, skips the rest, and still runs on_failure to clean up', async () => {
    const { end, run } = await carryOut('overdue');
    expect(end.status).toBe('failed');
    expect(run.steps.map((s) => `${s.name}:${s.outcome}`)).toEqual(['shell:fail', 'on_failure.cleanup:pass']);
    expect(JSON.stringify(run.steps[0]?.result)).toContain('the run passed its timeout of 1s');
    expect(readFileSync(path.join(stack.dir, 'overdue-cleaned'), 'utf8').trim()).toBe(
      'cleaned-after-timeout',
    );
  });
});

describe('an approve step', () => {
  it('pauses the run, refuses a second run and an approver it does not name, and resumes when approved', async () => {
    const { recorder, plan } = await runbooks.open('gated', {}, 'test');
    const events: RunEvent[] = [];
    const done = runbooks.execute(recorder, plan, { onEvent: (e) => events.push(e), pollMs: 50 });
    await until(
      async () => ((await runbooks.runs.status(recorder.runId)) === 'waiting' ? true : undefined),
      'the run to wait',
    );
    const busy = await runbooks.open('gated', {}, 'test').catch((e) => e);
    expect(busy.code).toBe('RUNBOOK_BUSY');
    expect(busy.message).toContain(`run ${recorder.runId} (waiting)`);
    const wrong = await runbooks.approve(recorder.runId, 'mallory').catch((e) => e);
    expect(wrong.code).toBe('APPROVER_NOT_ALLOWED');
    await runbooks.approve(recorder.runId, 'alice');
    const end = await within(done, 'the run to end after its approval');
    expect(end.status).toBe('succeeded');
    const run = await runbooks.runs.get(recorder.runId);
    const approve = stepOf(run as NonNullable<typeof run>, 'approve');
    expect(approve.outcome).toBe('pass');
    expect(approve.result.result).toMatchObject({ approvedBy: 'alice' });
    expect(stepOf(run as NonNullable<typeof run>, 'after').outcome).toBe('pass');
    expect(events.map((e) => e.type)).toEqual(['waiting', 'approved', 'step', 'step', 'end']);
  });

  it('fails the run when nobody approves in time, and runs on_failure', async () => {
    const { end, run } = await carryOut('short-gate');
    expect(end.status).toBe('failed');
    expect(stepOf(run, 'approve').result.detail).toContain('no approval within');
    expect(existsSync(path.join(stack.dir, 'gate-failed'))).toBe(true);
    const late = await runbooks.approve(run.id, 'alice').catch((e) => e);
    expect(late.code).toBe('RUN_STATE_CONFLICT');
  });
});

describe('a cancel', () => {
  it('stops the running step: no process of its group survives, and the run ends cancelled', async () => {
    const { recorder, plan } = await runbooks.open('long', {}, 'test');
    const done = runbooks.execute(recorder, plan, { pollMs: 50 });
    const pidFile = path.join(stack.dir, 'long-child.pid');
    const child = await until(
      () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined),
      'the step to start',
    );
    const group = Number(readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
    expect(groupMembers(group).length).toBeGreaterThanOrEqual(2);
    await runbooks.cancel(recorder.runId, 'bob', 'wrong window');
    const end = await within(done, 'the run to stop after the cancel');
    expect(end.status).toBe('cancelled');
    await until(
      () => (groupMembers(group).length === 0 ? true : undefined),
      `process group ${group} to be empty`,
      10_000,
    );
    const run = await runbooks.runs.get(recorder.runId);
    expect(run?.status).toBe('cancelled');
    expect(run?.summary).toMatchObject({ cancelledBy: 'bob', reason: 'wrong window' });
    expect(run?.steps.map((s) => s.outcome)).toEqual(['cancelled']);
  });
});

describe.each<StoreKind>(['sqlite', 'postgres'])('a run whose process died (%s)', (kind) => {
  let test: TestStore;
  beforeAll(async () => {
    test = await createTestStore(kind);
  });
  afterAll(async () => {
    await test.destroy();
  });

  it('is closed as interrupted by the next process that opens the runbook, which then runs', async () => {
    const own = await test.open();
    const here = new Runbooks({
      config: stack.config,
      configPath: stack.configPath,
      baseDir: stack.dir,
      store: own,
      clock: systemClock,
    });
    // A run held by a process that is gone: a child that exits at once holds its pid no more.
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.once('exit', resolve));
    const { recorder } = await here.open('gated', {}, 'test');
    await own.db
      .updateTable('runs')
      .set({ holder_pid: child.pid as number, holder_started: '1' })
      .where('id', '=', recorder.runId)
      .execute();
    await here.runs.wait(recorder.runId, { waitingFor: { step: 'approve' } });
    const next = await here.open('gated', {}, 'test');
    const dead = await here.runs.get(recorder.runId);
    expect(dead?.status).toBe('failed');
    expect(JSON.stringify(dead?.summary)).toContain('interrupted: the process running this runbook');
    await here.cancel(next.recorder.runId, 'test');
  });
});

it('writes nothing for a runbook the file does not define, and says which exist', async () => {
  const error = await runbooks.open('restrat', {}, 'test').catch((e) => e);
  expect(error.code).toBe('RUNBOOK_NOT_FOUND');
  expect(error.hint).toBeDefined();
  writeFileSync(path.join(stack.dir, 'unused'), '');
});

describe('run history', () => {
  it('deletes finished runbook and service runs older than history.runs, with their steps and evidence, and keeps the rest', async () => {
    const own = await createTestStore('sqlite');
    try {
      const db = await own.open();
      const later = { now: () => Date.now() + 91 * 86_400_000 };
      const here = new Runbooks({
        config: stack.config,
        configPath: stack.configPath,
        baseDir: stack.dir,
        store: db,
        clock: systemClock,
      });
      const { end, runId } = await (async () => {
        const { recorder, plan } = await here.open('basics', {}, 'test');
        await recorder.evidence({ name: 'note', kind: 'output', content: 'kept for a while' });
        return { end: await here.execute(recorder, plan), runId: recorder.runId };
      })();
      expect(end.status).toBe('succeeded');
      const backupRun = await here.runs.start('backup', 'db', 'test');
      await here.runs.finish(backupRun, 'succeeded', {});
      const going = await here.open('long', {}, 'test');
      const { runsPruneJobKind } = await import('../../src/runbooks/jobs.js');
      const aged = new Runbooks({ ...here.env, clock: later });
      const job = runsPruneJobKind(() => aged);
      const result = await job.handler({} as never);
      expect(result).toEqual({ removed: 1 });
      expect(await here.runs.get(runId)).toBeUndefined();
      expect(await here.runs.evidence(runId)).toEqual([]);
      expect(
        (await db.db.selectFrom('run_steps').selectAll().where('run_id', '=', runId).execute()).length,
      ).toBe(0);
      expect((await here.runs.get(backupRun))?.status).toBe('succeeded');
      expect((await here.runs.get(going.recorder.runId))?.status).toBe('running');
      // Within history.runs, nothing goes.
      expect(await runsPruneJobKind(() => here).handler({} as never)).toEqual({ removed: 0 });
    } finally {
      await own.destroy();
    }
  });
});
