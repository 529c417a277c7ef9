import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backups } from '../../src/backup/backups.js';
import { runDrill } from '../../src/backup/drill.js';
import { BACKUP_RUN_KIND, backupJobKinds } from '../../src/backup/jobs.js';
import { openBackups } from '../../src/backup/open.js';
import type { TransferProgress } from '../../src/backup/progress.js';
import { restoreBackup } from '../../src/backup/restore.js';
import { DayshiftError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Store } from '../../src/store/index.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';

/** True while the process runs; a zombie (dead, not yet reaped by its new parent) counts as gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const PASSPHRASE = 'canary-svc-passphrase-5a1e';

describe.each(STORE_KINDS)(
  'the backup service on SQLite and files: hooks, jobs, verify, passphrases (%s store)',
  (kind) => {
    let testStore: TestStore;
    let store: Store;
    let backups: Backups;
    let dir: string;
    let configPath: string;
    /** Outside the stack's directory, which the restore does not hold; removed with the test's own files. */
    const stuckPid = path.join(tmpdir(), `dayshift-stuck-${process.pid}-${kind}-${Date.now()}.pid`);

    beforeAll(async () => {
      const stack = stackFrom(
        `version: 1
stack: backups-service
repositories:
  vault: { local: { path: vault, passphrase: "\${PASSPHRASE}" } }
backups:
  app:
    source: { sqlite: { path: app.db } }
    repository: vault
    before: "echo before >> hooks.log"
    after: "echo after >> hooks.log"
  broken:
    source: { sqlite: { path: missing.db } }
    repository: vault
    after: "echo after-broken >> hooks.log"
  slow-hook:
    source: { sqlite: { path: app.db } }
    repository: vault
    before: "sleep 5"
    hook_timeout: 300ms
    after: "echo after-slow >> hooks.log"
  uploads:
    source: { files: { paths: [ uploads ] } }
    repository: vault
  checked:
    source: { files: { paths: [ uploads ] } }
    repository: vault
    drill:
      assert:
        - { command: "cat uploads/two.txt", expect: "stdout == 'two'" }
        - { command: [ "sh", "-c", "ls \\"$$DAYSHIFT_RESTORE_DIR/uploads\\" >&2; exit 4" ] }
  stuck:
    source: { files: { paths: [ uploads ] } }
    repository: vault
    drill:
      assert:
        - { command: "sleep 120 >/dev/null 2>&1 & echo $$! > \${STUCK_PID}; wait" }
`,
        { PASSPHRASE, STUCK_PID: stuckPid },
      );
      dir = stack.dir;
      configPath = stack.configPath;
      const db = new Database(path.join(dir, 'app.db'));
      db.exec(
        "create table notes (id integer primary key, body text); insert into notes (body) values ('a'), ('b'), ('c');",
      );
      db.close();
      mkdirSync(path.join(dir, 'uploads'));
      writeFileSync(path.join(dir, 'uploads', 'one.txt'), 'one');
      writeFileSync(path.join(dir, 'uploads', 'two.txt'), 'two');
      testStore = await createTestStore(kind);
      store = await testStore.open();
      backups = openBackups(stack.config, configPath, store.db);
    });

    afterAll(async () => {
      await testStore?.destroy();
      rmSync(dir, { recursive: true, force: true });
      rmSync(stuckPid, { force: true });
    });

    const hooksLog = () => readFileSync(path.join(dir, 'hooks.log'), 'utf8').trim().split('\n');

    it('runs the before and after hooks around the dump', async () => {
      await backups.run('app', { trigger: 'test' });
      expect(hooksLog()).toEqual(['before', 'after']);
    });

    it('runs the after hook when the dump fails, and keeps no snapshot', async () => {
      const error = await backups.run('broken', { trigger: 'test' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DayshiftError);
      expect(hooksLog()).toContain('after-broken');
      expect(await backups.list('broken')).toEqual([]);
    });

    it('stops a hook at its timeout, fails the backup, and still runs after', async () => {
      const started = Date.now();
      const error = await backups.run('slow-hook', { trigger: 'test' }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(4_000);
      expect((error as Error).message).toMatch(/the before hook of slow-hook did not finish within 0.3s/);
      expect(hooksLog()).toContain('after-slow');
      expect(await backups.list('slow-hook')).toEqual([]);
    });

    it('the scheduled job kind takes a backup and records it as a run', async () => {
      const kind = backupJobKinds(backups).find((k) => k.kind === BACKUP_RUN_KIND);
      const before = (await backups.list('app')).length;
      const result = (await kind?.handler({
        job: { payload: { backup: 'app' } } as never,
        signal: new AbortController().signal,
        progress: async () => {},
        logger: silentLogger(),
      })) as { snapshot: string; runId: number };
      expect(await backups.list('app')).toHaveLength(before + 1);
      expect((await backups.env.runs.get(result.runId))?.trigger).toBe('schedule');
    });

    it('a files drill checks every checksum; verify names a damaged file after one byte changes', async () => {
      const { snapshot } = await backups.run('uploads', { trigger: 'test' });
      const drill = await runDrill(backups, 'uploads', { trigger: 'test' });
      expect(drill.failures).toEqual([]);
      expect(drill.assertions.map((a) => a.kind)).toEqual(['checksums']);
      expect(existsSync(drill.target?.replace(/^scratch directory /, '') ?? '/')).toBe(false);

      const data = path.join(dir, 'vault', 'uploads', snapshot.id, 'data', '0');
      const bytes = readFileSync(data);
      bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
      writeFileSync(data, bytes);
      const verified = await backups.verify('uploads', { trigger: 'test' });
      expect(verified.ok).toBe(false);
      expect(verified.results[0]?.problems[0]?.file).toBe(data);
      expect((await backups.env.runs.get(verified.runId))?.status).toBe('failed');
    });

    it('a drill runs command assertions in the restored directory and says why one failed', async () => {
      await backups.run('checked', { trigger: 'test' });
      const drill = await runDrill(backups, 'checked', { trigger: 'test' });
      expect(drill.assertions.map((a) => a.ok)).toEqual([true, false]);
      expect(drill.assertions[1]?.reason).toBe('exit_code == 0: got 4; stderr: one.txt\ntwo.txt');
      expect(drill.assertions[1]?.detail).toEqual({ exit_code: 4, stdout: '' });
    });

    it('a drill stopped while a command assertion runs stops the command and all it started', async () => {
      await backups.run('stuck', { trigger: 'test' });
      const controller = new AbortController();
      const running = runDrill(backups, 'stuck', { trigger: 'test', signal: controller.signal });
      const pid = await until(() => {
        const text = existsSync(stuckPid) ? readFileSync(stuckPid, 'utf8') : '';
        return text.endsWith('\n') ? Number(text) : undefined;
      }, 'the assertion to start its background sleep');
      controller.abort();
      const drill = await running;
      expect(drill.ok).toBe(false);
      expect(drill.assertions[0]?.reason).toBe('the drill was stopped before the command finished');
      await until(() => (alive(pid) ? undefined : true), `the background sleep ${pid} to be gone`, 5_000);
    });

    it('reports the bytes and the rate of a backup as it streams, and its whole size at the end', async () => {
      const reports: TransferProgress[] = [];
      const watched = openBackups(backups.env.config, configPath, store.db, {
        onProgress: (p) => reports.push(p),
      });
      const { snapshot } = await watched.run('uploads', { trigger: 'test' });
      const last = reports.at(-1);
      expect(last).toMatchObject({ what: 'uploads files.tar', done: true, total: undefined });
      expect(last?.bytes).toBe(snapshot.entries[0]?.size);
      expect(last?.bytesPerSecond).toBeGreaterThan(0);
    });

    it('a wrong passphrase is a clear error and restores nothing', async () => {
      const wrong = stackFrom(
        `${readFileSync(configPath, 'utf8').replace('path: vault', `path: ${path.join(dir, 'vault')}`)}\nrestore: { allowed_paths: [${JSON.stringify(dir)}] }\n`,
        {
          PASSPHRASE: 'canary-not-the-passphrase',
        },
      );
      const other = openBackups(wrong.config, wrong.configPath, store.db);
      const target = path.join(dir, 'restored-app.db');
      const error = await restoreBackup(other, 'app', { to: target, trigger: 'test' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DayshiftError);
      expect((error as Error).message).toMatch(/the passphrase does not open the repository/);
      expect(existsSync(target)).toBe(false);
      rmSync(wrong.dir, { recursive: true, force: true });
      const everything = JSON.stringify(await store.db.selectFrom('run_steps').selectAll().execute());
      expect(everything).not.toContain(PASSPHRASE);
      expect(readdirSync(dir)).not.toContain('restored-app.db');
    });
  },
);
