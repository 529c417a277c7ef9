/**
 * A node SIGKILLed at each point around a backup's commit (DAYSHIFT_TEST_CRASH_AT, a test-only hook in
 * src/util/test-crash.ts), on a real files backup with two node processes on one store, as in
 * backup-crash.test.ts. Whatever the point, once another node has taken the job over: every listed
 * snapshot has a succeeded run, there is no second snapshot, and no run is left `running`, also when
 * the killed attempt was the job's last.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backups } from '../../src/backup/backups.js';
import { openBackups } from '../../src/backup/open.js';
import { JobQueue } from '../../src/jobs/queue.js';
import type { Job } from '../../src/jobs/types.js';
import { startNodeProcess, stopNodeProcess } from '../helpers/node-process.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

type Point = 'backup:before-commit' | 'backup:after-commit' | 'backup:after-record';

const REPOSITORIES = {
  local: '{ local: { path: vault } }',
  restic: '{ restic: { repository: restic-repo, password: canary-crash-restic-0d4e } }',
};

const RUNS = (Object.keys(REPOSITORIES) as Array<keyof typeof REPOSITORIES>).flatMap((repository) =>
  STORE_KINDS.map((kind) => ({ repository, kind })),
);

for (const { repository, kind } of RUNS)
  describe(`a node SIGKILLed around the commit of a files backup into a ${repository} repository (${kind} store)`, () => {
    const children: ChildProcess[] = [];
    const cleanups: Array<() => Promise<void>> = [];

    afterAll(async () => {
      await Promise.all(children.map(stopNodeProcess));
      for (const cleanup of cleanups) await cleanup();
    });

    /** Queues a backup, lets a node that kills itself at `point` take it, then a second node take over. */
    async function crashAt(
      point: Point,
      options: { maxAttempts?: number } = {},
    ): Promise<{ backups: Backups; job: Job; crashed: NodeJS.Signals | null }> {
      const stack = stackFrom(`version: 1
stack: commit-crash
repositories:
  vault: ${REPOSITORIES[repository]}
backups:
  media:
    source: { files: { paths: [ media ] } }
    repository: vault
`);
      mkdirSync(path.join(stack.dir, 'media'));
      writeFileSync(path.join(stack.dir, 'media', 'a.bin'), randomBytes(512 * 1024));
      writeFileSync(path.join(stack.dir, 'media', 'b.txt'), 'bravo');
      const test: TestStore = await createTestStore(kind);
      cleanups.push(async () => {
        await test.destroy();
        rmSync(stack.dir, { recursive: true, force: true });
      });
      const store = await test.open();
      const backups = openBackups(stack.config, stack.configPath, store.db);
      const queue = new JobQueue(store);

      const doomed = await startNodeProcess(stack.configPath, test.options, {
        LEASE_MS: '1000',
        DAYSHIFT_TEST_CRASH_AT: point,
      });
      children.push(doomed);
      const crashed = new Promise<NodeJS.Signals | null>((resolve) =>
        doomed.once('exit', (_code, signal) => resolve(signal)),
      );
      const queued = await queue.enqueue('backup.run', { backup: 'media' }, options);
      if (!queued) throw new Error('the backup job was not queued');
      const signal = await crashed;

      const survivor = await startNodeProcess(stack.configPath, test.options, { LEASE_MS: '1000' });
      children.push(survivor);
      const job = await until(
        async () => {
          const current = await queue.get(queued.id);
          return current?.status === 'completed' || current?.status === 'failed' ? current : undefined;
        },
        'the job to end on the surviving node',
        60_000,
      );
      // A job that failed for good is settled by whichever node recovered it, just after.
      await until(
        async () =>
          (await backups.env.runs.list({ kinds: ['backup'], name: 'media' })).every(
            (r) => r.status !== 'running',
          )
            ? true
            : undefined,
        'no backup run to be left running',
      );
      return { backups, job, crashed: signal };
    }

    /** What must hold whatever the point: each listed snapshot has a succeeded run, once. */
    async function expectAgreement(backups: Backups): Promise<void> {
      const snapshots = await backups.list('media');
      const runs = await backups.env.runs.list({ kinds: ['backup'], name: 'media' });
      expect(runs.filter((r) => r.status === 'running')).toEqual([]);
      for (const snapshot of snapshots) {
        const owners = runs.filter(
          (r) => r.status === 'succeeded' && (r.summary as { snapshot?: string }).snapshot === snapshot.id,
        );
        expect(owners, `the run of snapshot ${snapshot.id}`).toHaveLength(1);
        expect(snapshot.run).toBe(owners[0]?.id);
      }
      expect(runs.filter((r) => r.status === 'succeeded')).toHaveLength(snapshots.length);
      if (snapshots.length) expect((await backups.verify('media', { trigger: 'test' })).ok).toBe(true);
    }

    it('before the commit: nothing is listed from the killed attempt; its run is interrupted; the retry stores one', async () => {
      const { backups, job, crashed } = await crashAt('backup:before-commit');
      expect(crashed).toBe('SIGKILL');
      expect(job.status).toBe('completed');
      expect(job.attempts).toBe(2);
      expect(await backups.list('media')).toHaveLength(1);
      const runs = await backups.env.runs.list({ kinds: ['backup'], name: 'media' });
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed']);
      expect(runs[1]?.summary).toMatchObject({ error: expect.stringMatching(/^interrupted: /) });
      await expectAgreement(backups);
    }, 120_000);

    it('after the commit, before the record: the retry finds the committed snapshot and completes its run without a second', async () => {
      const { backups, job, crashed } = await crashAt('backup:after-commit');
      expect(crashed).toBe('SIGKILL');
      expect(job.status).toBe('completed');
      expect(job.attempts).toBe(2);
      const snapshots = await backups.list('media');
      expect(snapshots).toHaveLength(1);
      const runs = await backups.env.runs.list({ kinds: ['backup'], name: 'media' });
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({
        status: 'succeeded',
        summary: { snapshot: snapshots[0]?.id, recovered: true },
      });
      expect(job.result).toMatchObject({ snapshot: snapshots[0]?.id, runId: runs[0]?.id });
      await expectAgreement(backups);
    }, 120_000);

    it('after the record, before the job completed: the retry completes the job with that run and takes no second snapshot', async () => {
      const { backups, job, crashed } = await crashAt('backup:after-record');
      expect(crashed).toBe('SIGKILL');
      expect(job.status).toBe('completed');
      expect(job.attempts).toBe(2);
      const snapshots = await backups.list('media');
      expect(snapshots).toHaveLength(1);
      const runs = await backups.env.runs.list({ kinds: ['backup'], name: 'media' });
      expect(runs.map((r) => r.status)).toEqual(['succeeded']);
      expect(job.result).toMatchObject({ snapshot: snapshots[0]?.id, runId: runs[0]?.id });
      await expectAgreement(backups);
    }, 120_000);

    it('a job whose last attempt is killed before the commit fails, and its run is closed as interrupted', async () => {
      const { backups, job } = await crashAt('backup:before-commit', { maxAttempts: 1 });
      expect(job.status).toBe('failed');
      expect(await backups.list('media')).toEqual([]);
      const runs = await backups.env.runs.list({ kinds: ['backup'], name: 'media' });
      expect(runs.map((r) => r.status)).toEqual(['failed']);
      expect(runs[0]?.summary).toMatchObject({
        error: expect.stringMatching(/^interrupted: .*last attempt/),
      });
      await expectAgreement(backups);
    }, 120_000);

    it('a job whose last attempt is killed after the commit fails, but the snapshot it committed has its succeeded run', async () => {
      const { backups, job } = await crashAt('backup:after-commit', { maxAttempts: 1 });
      expect(job.status).toBe('failed');
      expect(await backups.list('media')).toHaveLength(1);
      await expectAgreement(backups);
    }, 120_000);
  });
