import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backups } from '../../src/backup/backups.js';
import { openBackups } from '../../src/backup/open.js';
import { DayshiftError } from '../../src/errors.js';
import type { Store } from '../../src/store/index.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

const STACK = `version: 1
stack: repository-failure
repositories:
  offsite: { restic: { repository: restic-repo, password: "\${RESTIC_PASSWORD}" } }
backups:
  uploads:
    source: { files: { paths: [ uploads ] } }
    repository: offsite
`;

/**
 * A repository that fails while the dump is streaming: the dump tool must be stopped (not left blocked
 * on a pipe nobody reads), and the error must be the repository's, not the broken pipe the tool died of.
 */
describe.each(STORE_KINDS)(
  'a restic repository that refuses a backup while the dump streams (real restic and tar; %s store)',
  (kind) => {
    let testStore: TestStore;
    let store: Store;
    let backups: Backups;
    let dir: string;

    beforeAll(async () => {
      const stack = stackFrom(STACK, { RESTIC_PASSWORD: 'canary-right-restic-7a1c' });
      dir = stack.dir;
      mkdirSync(path.join(dir, 'uploads'));
      // Far more than the pipes between tar and restic hold, so tar blocks if nobody stops it.
      writeFileSync(path.join(dir, 'uploads', 'big.bin'), randomBytes(24 * 1024 * 1024));
      testStore = await createTestStore(kind);
      store = await testStore.open();
      backups = openBackups(stack.config, stack.configPath, store.db);
      await backups.run('uploads', { trigger: 'test' });
    });
    afterAll(async () => {
      await testStore?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a wrong password fails fast with the passphrase error, stops tar, and keeps nothing', async () => {
      const wrong = stackFrom(
        readFileSync(path.join(dir, 'dayshift.yaml'), 'utf8')
          .replace('repository: restic-repo', `repository: ${path.join(dir, 'restic-repo')}`)
          .replace('paths: [ uploads ]', `paths: [ ${path.join(dir, 'uploads')} ]`),
        { RESTIC_PASSWORD: 'canary-wrong-restic-2b9d' },
      );
      const other = openBackups(wrong.config, wrong.configPath, store.db);
      const started = Date.now();
      const error = await other.run('uploads', { trigger: 'test' }).catch((e: unknown) => e);
      // Only this process's own children: another test's tar running beside this one is not ours.
      const tars = spawnSync('pgrep', ['-P', String(process.pid), '-af', 'tar --create'], {
        encoding: 'utf8',
      }).stdout.trim();
      rmSync(wrong.dir, { recursive: true, force: true });
      expect(tars, 'tar was stopped, not left blocked on a pipe nobody reads').toBe('');
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(error).toBeInstanceOf(DayshiftError);
      expect((error as DayshiftError).code).toBe('BACKUP_PASSPHRASE');
      expect((error as Error).message).not.toContain('canary-wrong-restic-2b9d');
      expect(await backups.list('uploads')).toHaveLength(1);
    }, 30_000);
  },
);
