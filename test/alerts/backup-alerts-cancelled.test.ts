/**
 * A drill or verify an operator cancelled proved nothing either way, on both stores: it neither
 * resolves the alert of a failed one before it nor raises one; one that waits is not finished.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupAlertOrigin } from '../../src/alerts/backup-origin.js';
import { RunRecorder } from '../../src/runs/recorder.js';
import { Runs } from '../../src/runs/runs.js';
import { ManualClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

describe.each(STORE_KINDS)('backup alerts and cancelled runs on %s', (kind) => {
  let test: TestStore;
  let runs: Runs;
  let origin: BackupAlertOrigin;
  const clock = new ManualClock(Date.UTC(2030, 0, 1));

  beforeAll(async () => {
    const { config } = stackFrom(`version: 1
alerting: { evaluate_every: 10s }
repositories:
  here: { local: { path: vault } }
backups:
  uploads:
    source: { files: { paths: [ uploads ] } }
    repository: here
`);
    test = await createTestStore(kind);
    runs = new Runs((await test.open()).db, clock);
    origin = new BackupAlertOrigin(config, runs);
  });
  afterAll(async () => {
    await test?.destroy();
  });

  /** The alert keys after the origin's evaluation interval has passed. */
  const keys = async () => {
    clock.advance(10_000);
    return (await origin.desired(clock.now())).map((a) => a.key).sort();
  };
  const run = (runKind: string) => RunRecorder.start(runs, clock, runKind, 'uploads', 'test');

  it('keeps a failed drill and verify alerting through cancelled and waiting ones, until one succeeds', async () => {
    await (await run('drill')).finish('failed', { failures: ['exists: uploads/ready.txt: missing'] });
    await (await run('verify')).finish('failed', {
      problems: [{ file: 'one.txt', problem: 'hash differs' }],
    });
    expect(await keys()).toEqual(['backup:uploads:drill', 'backup:uploads:verify']);

    await (await run('drill')).cancel({ by: 'operator' });
    await (await run('verify')).cancel({ by: 'operator' });
    await (await run('drill')).wait({ waitingFor: 'approval' });
    expect(await keys()).toEqual(['backup:uploads:drill', 'backup:uploads:verify']);

    await (await run('drill')).finish('succeeded', { failures: [] });
    await (await run('verify')).finish('succeeded', { ok: true });
    expect(await keys()).toEqual([]);
  });
});
