import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openBackups } from '../../src/backup/open.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { killNodeProcess, startNodeProcess, stopNodeProcess } from '../helpers/node-process.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

/** Random bytes do not compress, so the dump takes long enough to be killed in the middle of it. */
const DATA_MB = 160;

describe.each(STORE_KINDS)('a node killed with SIGKILL in the middle of a backup (%s store)', (kind) => {
  let test: TestStore | undefined;
  const children: ChildProcess[] = [];
  let dir = '';

  afterAll(async () => {
    await Promise.all(children.map(stopNodeProcess));
    await test?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no snapshot listed; the job is retried by another node, which stores one', async () => {
    const stack = stackFrom(`version: 1
stack: crash
repositories:
  vault: { local: { path: vault } }
backups:
  media:
    source: { files: { paths: [ media ] } }
    repository: vault
`);
    dir = stack.dir;
    mkdirSync(path.join(dir, 'media'));
    for (let i = 0; i < DATA_MB / 16; i++)
      writeFileSync(path.join(dir, 'media', `part-${i}.bin`), randomBytes(16 * 1024 * 1024));
    test = await createTestStore(kind);
    const store = await test.open();
    const backups = openBackups(stack.config, stack.configPath, store.db);
    const queue = new JobQueue(store);

    const first = await startNodeProcess(stack.configPath, test.options, { LEASE_MS: '2000' });
    children.push(first);
    const job = await queue.enqueue('backup.run', { backup: 'media' });
    if (!job) throw new Error('the backup job was not queued');

    // Killed once the snapshot is being written: its partial directory holds part of the stream.
    const backupDir = path.join(dir, 'vault', 'media');
    const partial = await until(() => {
      const name = (existsSync(backupDir) ? readdirSync(backupDir, { withFileTypes: true }) : []).find((e) =>
        e.name.startsWith('.partial-'),
      );
      if (!name) return undefined;
      const stream = path.join(backupDir, name.name, 'data', '0');
      const size = (() => {
        try {
          return statSync(stream).size;
        } catch {
          return 0;
        }
      })();
      return size > 4 * 1024 * 1024 ? path.join(backupDir, name.name) : undefined;
    }, 'the snapshot to be half written');
    await killNodeProcess(first);

    expect(await backups.list('media')).toEqual([]);
    const [killedRun] = await backups.env.runs.list({ kinds: ['backup'], name: 'media' });
    expect(killedRun?.status).toBe('running');

    const second = await startNodeProcess(stack.configPath, test.options, { LEASE_MS: '2000' });
    children.push(second);
    const done = await until(
      async () => {
        const current = await queue.get(job.id);
        return current?.status === 'completed' || current?.status === 'failed' ? current : undefined;
      },
      'the retried backup to finish',
      90_000,
    );
    expect(done.status).toBe('completed');
    expect(done.attempts).toBe(2);

    const snapshots = await backups.list('media');
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]?.entries[0]?.size).toBeGreaterThan(DATA_MB * 1024 * 1024);
    expect((await backups.verify('media', { trigger: 'test' })).ok).toBe(true);

    // The killed attempt's run is closed as interrupted; the retry's run succeeded.
    const runs = await backups.env.runs.list({ kinds: ['backup'], name: 'media' });
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed']);
    expect(runs[1]?.summary).toMatchObject({ error: expect.stringMatching(/^interrupted: /) });

    // What the killed attempt wrote is never listed, and is removed once nothing has written to it for
    // 15 minutes (a younger one may belong to a backup under way).
    expect(statSync(partial).isDirectory()).toBe(true);
    expect((await backups.prune('media')).cleaned).toBe(0);
    const old = new Date(Date.now() - 20 * 60_000);
    for (const at of [partial, path.join(partial, 'data'), path.join(partial, 'data', '0')])
      utimesSync(at, old, old);
    expect((await backups.prune('media')).cleaned).toBe(1);
    expect(readdirSync(backupDir).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 180_000);
});
