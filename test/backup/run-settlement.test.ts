/**
 * No run of the backup service stays `running` after the process that held it stopped, on a real
 * files backup into a real local repository, with real processes SIGKILLed at DAYSHIFT_TEST_CRASH_AT
 * points (src/util/test-crash.ts):
 *
 * - drill jobs: a drill killed on its job's last attempt has its run closed by whichever node finds
 *   its lease expired; a killed drill that is retried has its run closed by the retry, which passes;
 * - a `dayshift backup run` (no job) killed in its terminal: the next CLI run of that backup, or the
 *   next node start on this host, settles its run from the repository (succeeded with the snapshot it
 *   committed, else failed interrupted), and so does the next `dayshift backup drill` for a drill.
 *
 * After each, every listed snapshot has one succeeded run, no snapshot is taken twice, no run is
 * left running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backups } from '../../src/backup/backups.js';
import { openBackups } from '../../src/backup/open.js';
import { JobQueue } from '../../src/jobs/queue.js';
import type { Job } from '../../src/jobs/types.js';
import type { RunSummary } from '../../src/runs/records.js';
import type { Store } from '../../src/store/index.js';
import { startNodeProcess, stopNodeProcess } from '../helpers/node-process.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type StoreKind, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

const CLI = path.resolve('src/cli/main.ts');
const KINDS = ['backup', 'drill', 'verify', 'restore'];

type Point = 'backup:before-commit' | 'backup:after-commit' | 'drill:after-restore';

interface Fixture {
  dir: string;
  configPath: string;
  test: TestStore;
  store: Store;
  backups: Backups;
  queue: JobQueue;
}

const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  await Promise.all(children.map(stopNodeProcess));
  for (const cleanup of cleanups) await cleanup();
});

/** A files backup of two files into a local repository, on a fresh store of `kind`. */
async function fixture(kind: StoreKind): Promise<Fixture> {
  const test = await createTestStore(kind);
  const storeLine = test.options.sqlitePath
    ? `store: { sqlite: { path: "${test.options.sqlitePath}" } }\n`
    : '';
  const stack = stackFrom(`version: 1
stack: run-settlement
${storeLine}repositories:
  vault: { local: { path: vault } }
backups:
  media:
    source: { files: { paths: [ media ] } }
    repository: vault
`);
  mkdirSync(path.join(stack.dir, 'media'));
  writeFileSync(path.join(stack.dir, 'media', 'a.bin'), randomBytes(256 * 1024));
  writeFileSync(path.join(stack.dir, 'media', 'b.txt'), 'bravo');
  cleanups.push(async () => {
    await test.destroy();
    rmSync(stack.dir, { recursive: true, force: true });
  });
  const store = await test.open();
  return {
    dir: stack.dir,
    configPath: stack.configPath,
    test,
    store,
    backups: openBackups(stack.config, stack.configPath, store.db),
    queue: new JobQueue(store),
  };
}

/** Runs `dayshift backup <verb> media` in its own process; resolves with how it ended. */
function cli(
  f: Fixture,
  verb: 'run' | 'drill' = 'run',
  env: Record<string, string> = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, '--config', f.configPath, 'backup', verb, 'media'],
    {
      env: { ...process.env, DAYSHIFT_DATABASE_URL: f.test.options.url ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
}

function runsOf(f: Fixture, kinds = KINDS): Promise<RunSummary[]> {
  return f.backups.env.runs.list({ kinds, name: 'media' });
}

/** What must hold after every case: each listed snapshot has one succeeded run; no run is running. */
async function expectAgreement(f: Fixture): Promise<void> {
  const runs = await runsOf(f);
  expect(runs.filter((r) => r.status === 'running')).toEqual([]);
  const snapshots = await f.backups.list('media');
  for (const snapshot of snapshots) {
    const owners = runs.filter(
      (r) =>
        r.kind === 'backup' &&
        r.status === 'succeeded' &&
        (r.summary as { snapshot?: string }).snapshot === snapshot.id,
    );
    expect(owners, `the run of snapshot ${snapshot.id}`).toHaveLength(1);
    expect(snapshot.run).toBe(owners[0]?.id);
  }
  const backupRuns = runs.filter((r) => r.kind === 'backup' && r.status === 'succeeded');
  expect(backupRuns).toHaveLength(snapshots.length);
  expect(new Set(snapshots.map((s) => s.run)).size).toBe(snapshots.length);
}

/** Takes a snapshot, queues a job that a node killing itself at `point` claims, then lets another node recover it. */
async function crashJob(
  storeKind: StoreKind,
  kind: 'backup.drill' | 'backup.restore',
  point: 'drill:after-restore' | 'restore:after-write',
  maxAttempts: number,
): Promise<{ f: Fixture; job: Job }> {
  const f = await fixture(storeKind);
  const { snapshot } = await f.backups.run('media', { trigger: 'test' });
  const doomed = await startNodeProcess(f.configPath, f.test.options, {
    LEASE_MS: '1000',
    DAYSHIFT_TEST_CRASH_AT: point,
  });
  children.push(doomed);
  const crashed = new Promise<NodeJS.Signals | null>((resolve) =>
    doomed.once('exit', (_code, signal) => resolve(signal)),
  );
  const payload =
    kind === 'backup.drill'
      ? { backup: 'media' }
      : { backup: 'media', snapshot: snapshot.id, to: 'restored' };
  const queued = await f.queue.enqueue(kind, payload, { maxAttempts });
  if (!queued) throw new Error(`the ${kind} job was not queued`);
  expect(await crashed).toBe('SIGKILL');
  const killed = await runsOf(f, [kind === 'backup.drill' ? 'drill' : 'restore']);
  expect(killed.map((r) => r.status)).toEqual(['running']);

  children.push(await startNodeProcess(f.configPath, f.test.options, { LEASE_MS: '1000' }));
  const job = await until(
    async () => {
      const current = await f.queue.get(queued.id);
      return current?.status === 'completed' || current?.status === 'failed' ? current : undefined;
    },
    `the ${kind} job to end on the surviving node`,
    60_000,
  );
  await until(
    async () => ((await runsOf(f)).every((r) => r.status !== 'running') ? true : undefined),
    'no run to be left running',
  );
  return { f, job };
}

describe.each(STORE_KINDS)('a drill job SIGKILLed after its restore (%s store)', (storeKind) => {
  const crashDrill = (maxAttempts: number) =>
    crashJob(storeKind, 'backup.drill', 'drill:after-restore', maxAttempts);

  it('on its last attempt: the job fails and its run is closed as interrupted, not left running', async () => {
    const { f, job } = await crashDrill(1);
    expect(job.status).toBe('failed');
    const drills = await runsOf(f, ['drill']);
    expect(drills.map((r) => r.status)).toEqual(['failed']);
    expect(drills[0]?.summary).toEqual({
      error: expect.stringMatching(/^interrupted: the process running this drill .*last attempt/),
    });
    await expectAgreement(f);
  }, 120_000);

  it('with an attempt left: the retry closes the killed attempt run and passes', async () => {
    const { f, job } = await crashDrill(2);
    expect(job.status).toBe('completed');
    expect(job.attempts).toBe(2);
    const drills = await runsOf(f, ['drill']);
    expect(drills.map((r) => r.status)).toEqual(['succeeded', 'failed']);
    expect(drills[1]?.summary).toEqual({
      error: expect.stringMatching(/^interrupted: .*the job was retried$/),
    });
    expect(job.result).toMatchObject({ ok: true, runId: drills[0]?.id });
    await expectAgreement(f);
  }, 120_000);
});

describe.each(STORE_KINDS)(
  'a restore job SIGKILLed after writing its target, on its last attempt (%s store)',
  (storeKind) => {
    it('fails, and its run is closed as interrupted, saying the target may be partly written', async () => {
      const { f, job } = await crashJob(storeKind, 'backup.restore', 'restore:after-write', 1);
      expect(job.status).toBe('failed');
      const restores = await runsOf(f, ['restore']);
      expect(restores.map((r) => r.status)).toEqual(['failed']);
      expect(restores[0]?.summary).toEqual({
        error: expect.stringMatching(
          /^interrupted: .*last attempt.*the restore target may be partly written/,
        ),
      });
      await expectAgreement(f);
    }, 120_000);
  },
);

describe.each(STORE_KINDS)('a dayshift backup CLI SIGKILLed in its terminal (%s store)', (kind) => {
  async function killedCli(
    verb: 'run' | 'drill',
    point: Point,
  ): Promise<{ f: Fixture; killedRun: RunSummary }> {
    const f = await fixture(kind);
    const killed = await cli(f, verb, { DAYSHIFT_TEST_CRASH_AT: point });
    expect(killed.signal).toBe('SIGKILL');
    const open = (await runsOf(f)).filter((r) => r.status === 'running');
    expect(open).toHaveLength(1);
    return { f, killedRun: open[0] as RunSummary };
  }

  it('after the commit: the next CLI run records the killed run as succeeded with its snapshot, then takes its own', async () => {
    const { f, killedRun } = await killedCli('run', 'backup:after-commit');
    const [committed] = await f.backups.list('media');
    expect(committed?.run).toBe(killedRun.id);

    const next = await cli(f);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`run ${killedRun.id} (backup media) was left running`);
    expect(await f.backups.env.runs.get(killedRun.id)).toMatchObject({
      status: 'succeeded',
      summary: { snapshot: committed?.id, recovered: true },
    });
    expect(await f.backups.list('media')).toHaveLength(2);
    await expectAgreement(f);
  }, 60_000);

  it('after the commit: a node starting on this host records the killed run as succeeded, and takes no snapshot', async () => {
    const { f, killedRun } = await killedCli('run', 'backup:after-commit');
    children.push(await startNodeProcess(f.configPath, f.test.options));
    const run = await until(async () => {
      const current = await f.backups.env.runs.get(killedRun.id);
      return current?.status === 'running' ? undefined : current;
    }, 'the node to settle the killed run');
    const snapshots = await f.backups.list('media');
    expect(snapshots).toHaveLength(1);
    expect(run).toMatchObject({
      status: 'succeeded',
      summary: { snapshot: snapshots[0]?.id, recovered: true },
    });
    await expectAgreement(f);
  }, 60_000);

  it('before the commit: the next CLI run closes the killed run as failed, interrupted, and stores one snapshot', async () => {
    const { f, killedRun } = await killedCli('run', 'backup:before-commit');
    expect(await f.backups.list('media')).toEqual([]);
    const next = await cli(f);
    expect(next.code).toBe(0);
    const run = await f.backups.env.runs.get(killedRun.id);
    expect(run?.status).toBe('failed');
    expect(run?.summary).toEqual({
      error: expect.stringMatching(/^interrupted: the process running this backup \(pid \d+ on .+\) stopped/),
    });
    expect(await f.backups.list('media')).toHaveLength(1);
    await expectAgreement(f);
  }, 60_000);

  it('a drill killed after its restore: the next CLI drill closes its run as interrupted and passes', async () => {
    const f = await fixture(kind);
    expect((await cli(f)).code).toBe(0);
    const killed = await cli(f, 'drill', { DAYSHIFT_TEST_CRASH_AT: 'drill:after-restore' });
    expect(killed.signal).toBe('SIGKILL');
    const [open] = await runsOf(f, ['drill']);
    expect(open?.status).toBe('running');

    expect((await cli(f, 'drill')).code).toBe(0);
    const drills = await runsOf(f, ['drill']);
    expect(drills.map((r) => r.status)).toEqual(['succeeded', 'failed']);
    expect(drills[1]?.summary).toEqual({ error: expect.stringMatching(/^interrupted: .*this drill \(pid/) });
    await expectAgreement(f);
  }, 60_000);
});
