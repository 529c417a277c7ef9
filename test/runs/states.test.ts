/**
 * The states a run moves through, on both stores: every move RUN_TRANSITIONS allows is made, every
 * other one is refused with RUN_STATE_CONFLICT and leaves the run as it was; a settlement after a
 * crash closes only a running run, never a waiting or cancelled one; and of two writers racing to
 * close one run, exactly one wins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleRun } from '../../src/backup/crash-recovery.js';
import { openBackups } from '../../src/backup/open.js';
import type { DayshiftError } from '../../src/errors.js';
import { Runs } from '../../src/runs/runs.js';
import { canMove, RUN_STATUSES, type RunStatus } from '../../src/runs/states.js';
import type { Store } from '../../src/store/index.js';
import { systemClock } from '../../src/util/clock.js';
import { refusal } from '../helpers/refusal.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

/** The moves the product relies on, written out rather than read from the table under test. */
const ALLOWED: ReadonlyArray<[RunStatus, RunStatus]> = [
  ['running', 'waiting'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'cancelled'],
  ['waiting', 'running'],
  ['waiting', 'failed'],
  ['waiting', 'cancelled'],
];

const isAllowed = (from: RunStatus, to: RunStatus) => ALLOWED.some(([f, t]) => f === from && t === to);

const PAIRS = RUN_STATUSES.flatMap((from) => RUN_STATUSES.map((to) => [from, to] as [RunStatus, RunStatus]));

/** Opens a run and brings it to `status` by allowed moves. */
async function runIn(runs: Runs, status: RunStatus): Promise<number> {
  const id = await runs.start('test', `in-${status}`, 'test');
  if (status === 'waiting') await runs.wait(id, { waitingFor: 'approval' });
  if (status === 'succeeded' || status === 'failed' || status === 'cancelled')
    await runs.finish(id, status, { by: 'setup' });
  return id;
}

/** Asks the store to move a run to `to`, the way a recorder or an operator would. */
function move(runs: Runs, id: number, to: RunStatus): Promise<void> {
  if (to === 'waiting') return runs.wait(id, { waitingFor: 'approval' });
  if (to === 'running') return runs.resume(id);
  return runs.finish(id, to, { by: 'test' });
}

describe('the table of moves', () => {
  it.each(PAIRS)('%s → %s is allowed exactly when the product needs it', (from, to) => {
    expect(canMove(from, to)).toBe(isAllowed(from, to));
  });
});

describe.each(STORE_KINDS)('run states on %s', (kind) => {
  let test: TestStore;
  let store: Store;
  let runs: Runs;

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    runs = new Runs(store.db, systemClock);
  });
  afterAll(async () => {
    await test?.destroy();
  });

  it.each(ALLOWED)('moves a %s run to %s', async (from, to) => {
    const id = await runIn(runs, from);
    await move(runs, id, to);
    const run = await runs.get(id);
    expect(run?.status).toBe(to);
    // A finished run has its end time; a running or waiting one has none.
    if (to === 'running' || to === 'waiting') expect(run?.finishedAt).toBeNull();
    else expect(run?.finishedAt).toEqual(expect.any(Number));
  });

  it.each(PAIRS.filter(([from, to]) => !isAllowed(from, to)))(
    'refuses to move a %s run to %s, and leaves it as it was',
    async (from, to) => {
      const id = await runIn(runs, from);
      const before = await runs.get(id);
      const error = await refusal(move(runs, id, to));
      expect(error.code).toBe('RUN_STATE_CONFLICT');
      expect(error.message).toBe(`run ${id} is ${from}; it cannot become ${to}`);
      expect(error.hint).toMatch(/^a \w+ run (can become|is finished)/);
      expect(await runs.get(id)).toEqual(before);
    },
  );

  it('refuses to move a run that does not exist, saying so', async () => {
    const error = await refusal(runs.finish(987_654, 'cancelled', null));
    expect(error.code).toBe('NOT_FOUND');
  });

  it('keeps what a waiting run waits for, and takes it up again held by this process and job', async () => {
    const id = await runs.start('test', 'approval', 'test');
    await runs.wait(id, { waitingFor: 'approval of step 2' });
    expect(await runs.get(id)).toMatchObject({
      status: 'waiting',
      summary: { waitingFor: 'approval of step 2' },
    });
    // Waiting is not finished: it is neither the latest finished run nor one a crash settles.
    expect(await runs.latest('test', 'approval')).toBeUndefined();
    expect((await runs.running({ kinds: ['test'], name: 'approval' })).map((r) => r.id)).toEqual([]);
    await runs.resume(id, 42);
    const [held] = await runs.running({ kinds: ['test'], name: 'approval' });
    expect(held).toMatchObject({
      id,
      status: 'running',
      summary: null,
      job: 42,
      holder: { pid: process.pid },
    });
  });

  it('settles only a running run: a waiting or cancelled one keeps its state', async () => {
    const running = await runIn(runs, 'running');
    const waiting = await runIn(runs, 'waiting');
    const cancelled = await runIn(runs, 'cancelled');
    expect(await runs.interrupt(running, 'interrupted: gone')).toBe(true);
    expect(await runs.interrupt(waiting, 'interrupted: gone')).toBe(false);
    expect(await runs.interrupt(cancelled, 'interrupted: gone')).toBe(false);
    expect(await runs.get(running)).toMatchObject({
      status: 'failed',
      summary: { error: 'interrupted: gone' },
    });
    expect((await runs.get(waiting))?.status).toBe('waiting');
    expect(await runs.get(cancelled)).toMatchObject({ status: 'cancelled', summary: { by: 'setup' } });
  });

  it('a backup, drill or restore cancelled before its process died is not settled over', async () => {
    const { config, configPath } = stackFrom(`version: 1
repositories:
  vault: { local: { path: vault } }
backups:
  media:
    source: { files: { paths: [ media ] } }
    repository: vault
`);
    const backups = openBackups(config, configPath, store.db);
    for (const runKind of ['backup', 'drill', 'restore']) {
      const id = await backups.env.runs.start(runKind, 'media', 'test');
      await backups.env.runs.finish(id, 'cancelled', { by: 'operator' });
      expect(await settleRun(backups, id, 'last-attempt')).toEqual({ outcome: 'none' });
      expect(await runs.get(id)).toMatchObject({ status: 'cancelled', summary: { by: 'operator' } });
    }
  });

  it('lets exactly one of two writers close a run, from two connections at once', async () => {
    const other = new Runs((await test.open()).db, systemClock);
    for (let round = 0; round < 5; round++) {
      const id = await runs.start('test', 'race', 'test');
      const outcomes = await Promise.allSettled([
        runs.finish(id, 'succeeded', { by: 'process' }),
        other.finish(id, 'cancelled', { by: 'operator' }),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as DayshiftError] : []));
      expect(won).toHaveLength(1);
      expect(lost.map((e) => e.code)).toEqual(['RUN_STATE_CONFLICT']);
      const run = await runs.get(id);
      // The run says what the winner wrote, whole: status and summary together.
      expect([
        ['succeeded', 'process'],
        ['cancelled', 'operator'],
      ]).toContainEqual([run?.status, (run?.summary as { by?: string } | undefined)?.by]);
    }
  });
});
