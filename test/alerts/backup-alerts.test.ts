import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Alerting } from '../../src/alerts/alerting.js';
import { listAlerts } from '../../src/alerts/queries.js';
import type { Backups } from '../../src/backup/backups.js';
import { runDrill } from '../../src/backup/drill.js';
import { openBackups } from '../../src/backup/open.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { recoveryLine } from './alert-fixtures.js';

const MIN = 60_000;

/**
 * A files backup with an RPO of one hour, a drill that needs `ready.txt`, and the alerts its runs raise,
 * through the real backup service, the real local repository and the alert engine, on both stores.
 */
describe.each(STORE_KINDS)(
  'alerts from backups: missed backups, failed drills, failed verifies (%s)',
  (kind) => {
    let testStore: TestStore;
    let store: Store;
    let backups: Backups;
    let alerting: Alerting;
    let dir: string;
    const clock = new ManualClock(Date.now());

    beforeAll(async () => {
      const stack = stackFrom(`version: 1
stack: backup-alerts
alerting: { evaluate_every: 10s, repeat: 0s }
notifiers:
  ops: { webhook: { url: "http://127.0.0.1:9/ops" } }
  oncall: { webhook: { url: "http://127.0.0.1:9/oncall" }, severities: [critical] }
repositories:
  here: { local: { path: vault } }
backups:
  uploads:
    source: { files: { paths: [ uploads ] } }
    repository: here
    rpo: 1h
    severity: critical
    notify: [ops, oncall]
    drill:
      assert: [ { exists: uploads/ready.txt } ]
  nightly:
    source: { files: { paths: [ uploads ] } }
    repository: here
    rpo: 1h
  quiet:
    source: { files: { paths: [ uploads ] } }
    repository: here
  flaky:
    source: { files: { paths: [ flaky ] } }
    repository: here
`);
      dir = stack.dir;
      mkdirSync(path.join(dir, 'uploads'));
      writeFileSync(path.join(dir, 'uploads', 'one.txt'), 'one');
      testStore = await createTestStore(kind);
      store = await testStore.open();
      backups = openBackups(stack.config, stack.configPath, store.db, { clock });
      alerting = new Alerting({
        db: store.db,
        config: stack.config,
        queue: new JobQueue(store, { clock }),
        clock,
        logger: silentLogger(),
      });
    });

    afterAll(async () => {
      await testStore?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    /** One alert pass after the origin's evaluation interval has passed. */
    const pass = async () => {
      clock.advance(10_000);
      return (await alerting.engine.pass()).steps;
    };
    const open = async () =>
      (await listAlerts(store.db, { states: ['pending', 'firing'] })).map((a) => ({
        key: a.key,
        origin: a.origin,
        severity: a.severity,
        notify: a.notify,
        summary: a.summary,
      }));

    it('a failed drill raises an alert naming the failed assertion; a passing drill resolves it', async () => {
      expect(await pass()).toEqual({});
      const { snapshot } = await backups.run('uploads', { trigger: 'test' });
      // Snapshots are stamped by the same clock as runs, so RPO and missed backups agree with them.
      expect(Date.parse(snapshot.createdAt)).toBe(clock.now());
      const failed = await runDrill(backups, 'uploads', { trigger: 'test' });
      expect(failed.ok).toBe(false);
      expect(await pass()).toEqual({ open: 1 });
      const [alert] = await open();
      expect(alert?.key).toBe('backup:uploads:drill');
      expect(alert?.origin).toBe('backup');
      expect(alert?.summary).toContain(
        'the restore drill of uploads failed: exists: uploads/ready.txt: uploads/ready.txt is not in the restored files',
      );

      writeFileSync(path.join(dir, 'uploads', 'ready.txt'), 'ready');
      await backups.run('uploads', { trigger: 'test' });
      const passed = await runDrill(backups, 'uploads', { trigger: 'test' });
      expect(passed.failures).toEqual([]);
      expect(await pass()).toEqual({ resolve: 1 });
      const [drillAlert] = await listAlerts(store.db, { states: ['resolved'] });
      expect(await recoveryLine(store.db, drillAlert?.id)).toMatch(
        /^the restore drill of uploads passes again \(run \d+\); the alert was open (less than 1s|\d+s)$/,
      );
    });

    it('a verify that finds a changed byte raises an alert naming the damaged file', async () => {
      const [newest] = await backups.list('uploads');
      const data = path.join(dir, 'vault', 'uploads', newest?.id ?? '', 'data', '0');
      const bytes = readFileSync(data);
      bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
      writeFileSync(data, bytes);
      expect((await backups.verify('uploads', { trigger: 'test', snapshot: newest?.id })).ok).toBe(false);
      expect(await pass()).toEqual({ open: 1 });
      const [alert] = await open();
      expect(alert?.key).toBe('backup:uploads:verify');
      expect(alert?.summary).toContain(data);
    });

    it('no good snapshot within the RPO is a missed backup, which a successful backup resolves', async () => {
      clock.advance(59 * MIN);
      expect(await pass()).toEqual({});
      clock.advance(2 * MIN);
      expect(await pass()).toEqual({ open: 2 });
      const missed = (await open()).filter((a) => a.origin === 'missed');
      expect(missed).toEqual([
        {
          key: 'backup:nightly:missed',
          origin: 'missed',
          severity: 'high',
          notify: ['ops'],
          summary: 'nightly has no successful backup, and its RPO is 1h',
        },
        {
          key: 'backup:uploads:missed',
          origin: 'missed',
          severity: 'critical',
          notify: ['ops', 'oncall'],
          summary: expect.stringMatching(
            /^the newest good snapshot of uploads is 1h1m\d*s? old; its RPO is 1h$/,
          ),
        },
      ]);
      // `quiet` has no rpo: it is never missed.
      await backups.run('nightly', { trigger: 'test' });
      expect(await pass()).toEqual({ resolve: 1 });
      const [resolved] = await listAlerts(store.db, { states: ['resolved'] });
      expect(resolved?.key).toBe('backup:nightly:missed');
      expect(await recoveryLine(store.db, resolved?.id)).toMatch(
        /^the newest good snapshot of nightly is (less than 1s|\d+s) old, within its RPO of 1h; the alert was open (less than 1s|\d+s)$/,
      );
      expect((await open()).map((a) => a.key).sort()).toEqual([
        'backup:uploads:missed',
        'backup:uploads:verify',
      ]);
    });

    it('a failed backup alerts as soon as its run ends, not once the RPO has passed; a good one resolves it', async () => {
      expect(await pass()).toEqual({});
      // `flaky` has no rpo and its folder is missing: the backup fails.
      await expect(backups.run('flaky', { trigger: 'test' })).rejects.toThrow();
      // One second on, well inside evaluate_every (10 s): the run's end is seen and told at once.
      clock.advance(1_000);
      expect((await alerting.engine.pass()).steps).toEqual({ open: 1 });
      const failed = (await open()).find((a) => a.key === 'backup:flaky:failed');
      expect(failed).toMatchObject({ origin: 'backup', severity: 'high', notify: ['ops'] });
      expect(failed?.summary).toMatch(/^the backup of flaky failed: .*flaky/);

      mkdirSync(path.join(dir, 'flaky'));
      await backups.run('flaky', { trigger: 'test' });
      clock.advance(1_000);
      expect((await alerting.engine.pass()).steps).toEqual({ resolve: 1 });
      const resolved = (await listAlerts(store.db, { states: ['resolved'] })).find(
        (a) => a.key === 'backup:flaky:failed',
      );
      expect(await recoveryLine(store.db, resolved?.id)).toMatch(
        /^the backup of flaky succeeds again \(run \d+\); the alert was open (less than 1s|\d+s)$/,
      );
    });
  },
);
