/**
 * Restore targets are confined, the same way through the API, the CLI (the built dist/, as a real
 * process) and `validate` for runbook restore steps: a path only under the stack file's directory or
 * `restore.allowed_paths` after `..` and symlinks are resolved, a database only on a server the stack
 * file names. Real files (GNU tar) and real PostgreSQL on 127.0.0.1:5432; an allowed restore still
 * restores its data.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import type { Backups } from '../../src/backup/backups.js';
import { openBackups } from '../../src/backup/open.js';
import { confineTarget, restoreInto } from '../../src/backup/restore.js';
import { filesBackupSource } from '../../src/backup/sources/files.js';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { DayshiftError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';
import { dayshift, pgSource, pgUrl } from './restore-fixture.js';

const PASSWORD = 'confine-role-pw-5d21';
const API_PASSWORD = 'canary-confine-api-pw-83e0';

/** What POST /api/v1/backups/:name/restore answers: a queued job, or an error. */
interface RestoreAnswer {
  job: { id: number; payload: { to?: string } };
  error: { code: string; message: string; hint?: string };
}

describe.each(STORE_KINDS)('restore targets are confined (API, CLI, validate; %s store)', (kind) => {
  let test: TestStore;
  let root: string;
  let dir: string;
  let allowed: string;
  let outside: string;
  let escaped: string;
  let db: Awaited<ReturnType<typeof pgSource>>;
  let env: Record<string, string>;
  let backups: Backups;
  let node: RunningNode;
  let operator: string;
  let viewer: string;

  /** Every refused `to`, by backup, with what the refusal must say. */
  let refused: Array<{ backup: string; to: string; says: RegExp }>;

  const stackYaml = (extra = '') => `version: 1
stack: confinement
${storeYaml(test.options)}
restore: { allowed_paths: [ ../allowed ] }
repositories:
  vault: { local: { path: vault } }
backups:
  media: { source: { files: { paths: [ media ] } }, repository: vault }
  db: { source: { postgres: { url: "\${DB_URL}" } }, repository: vault }
${extra}`;

  beforeAll(async () => {
    test = await createTestStore(kind);
    root = mkdtempSync(path.join(tmpdir(), 'dayshift-confine-'));
    dir = path.join(root, 'stack');
    allowed = path.join(root, 'allowed');
    outside = path.join(root, 'outside');
    for (const d of [dir, allowed, outside, path.join(dir, 'media')]) mkdirSync(d, { recursive: true });
    writeFileSync(path.join(dir, 'media', 'photo.txt'), 'the photo');
    // A symlink inside the stack directory that points out of it.
    symlinkSync(outside, path.join(dir, 'link'));
    // `..` enough times reaches / from anywhere; this names a directory beside the root.
    escaped = `${root}-escaped`;
    db = await pgSource('dayshift_confine', PASSWORD);
    env = { DB_URL: db.url };
    writeFileSync(path.join(dir, 'dayshift.yaml'), stackYaml());
    const configPath = path.join(dir, 'dayshift.yaml');
    const { config } = loadConfigOrThrow(configPath, { env });
    node = await startNode({
      store: test.options,
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      stack: { config, configPath },
    });
    backups = openBackups(config, configPath, node.store.db);
    await backups.run('media', { trigger: 'test' });
    await backups.run('db', { trigger: 'test' });
    const tokens = new TokenService(node.store);
    operator = (await tokens.create({ name: 'o', role: 'operator' })).token;
    viewer = (await tokens.create({ name: 'v', role: 'viewer' })).token;
    const dotdot = `${'../'.repeat(dir.split(path.sep).length)}${escaped.slice(1)}`;
    refused = [
      { backup: 'media', to: dotdot, says: /is outside the stack file directory and restore\.allowed_paths/ },
      { backup: 'media', to: path.join(outside, 'x'), says: /is outside the stack file directory/ },
      { backup: 'media', to: 'link/x', says: /resolves to .*outside/ },
      { backup: 'media', to: '../allowed/../outside', says: /is outside/ },
      { backup: 'db', to: 'postgres://db.invalid:5432/x', says: /server db\.invalid:5432 is not a server/ },
      { backup: 'db', to: 'postgres://127.0.0.1:5999/x', says: /server localhost:5999 is not a server/ },
    ];
  }, 60_000);

  afterAll(async () => {
    await node?.stop('test over');
    await db?.drop();
    await test?.destroy();
    rmSync(root, { recursive: true, force: true });
    rmSync(escaped, { recursive: true, force: true });
  });

  const nothingWritten = () => {
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(escaped)).toBe(false);
  };

  const post = async (name: string, body: unknown, token = operator) => {
    const response = await fetch(`${node.address}/api/v1/backups/${name}/restore`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as RestoreAnswer };
  };
  const jobEnd = (id: number) =>
    until(
      async () => {
        const response = await fetch(`${node.address}/api/v1/jobs/${id}`, {
          headers: { authorization: `Bearer ${viewer}` },
        });
        const { job } = (await response.json()) as { job: { status: string; lastError?: string } };
        return ['completed', 'failed'].includes(job.status) ? job : undefined;
      },
      `job ${id} to end`,
      60_000,
    );

  it('the API refuses .., an absolute path outside, a symlink pointing out and an unknown server, and queues nothing', async () => {
    for (const { backup, to, says } of refused) {
      const answer = await post(backup, { to });
      expect(answer.status, to).toBe(403);
      expect(answer.body.error.code).toBe('RESTORE_TARGET_REFUSED');
      expect(answer.body.error.message).toMatch(says);
      expect(answer.body.error.hint).toMatch(/restore\.allowed_paths|name the server/);
    }
    const jobs = await fetch(`${node.address}/api/v1/jobs?kind=backup.restore`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(((await jobs.json()) as { jobs: unknown[] }).jobs).toEqual([]);
    nothingWritten();
  });

  it('the API refuses a to with a password (400) without echoing it, and says to name the server', async () => {
    for (const to of [
      pgUrl(db.restored('pw'), db.role, API_PASSWORD),
      `postgres://127.0.0.1:5432/${db.restored('pw')}?password=${API_PASSWORD}`,
    ]) {
      const answer = await post('db', { to });
      expect(answer.status).toBe(400);
      expect(answer.text).not.toContain(API_PASSWORD);
      expect(`${answer.body.error.message} ${answer.body.error.hint}`).toMatch(/stack file/);
    }
    expect(await db.ownerOf(db.restored('pw'))).toBeUndefined();
  });

  it('the API restores into a path under restore.allowed_paths and into a database on the named server, with its data', async () => {
    const files = await post('media', { to: '../allowed/media-copy' });
    expect(files.status).toBe(202);
    expect((await jobEnd(files.body.job.id)).status).toBe('completed');
    expect(readFileSync(path.join(allowed, 'media-copy', 'media', 'photo.txt'), 'utf8')).toBe('the photo');

    // localhost and 127.0.0.1 are one host; the credentials are the stack file's (the database is the role's).
    const target = db.restored('api');
    const database = await post('db', { to: `postgres://localhost:5432/${target}` });
    expect(database.status).toBe(202);
    expect(database.body.job.payload.to).toBe(`postgres://localhost:5432/${target}`);
    expect((await jobEnd(database.body.job.id)).status).toBe('completed');
    expect(await db.ownerOf(target)).toBe(db.role);
    expect(await db.notesIn(target)).toBe(3);
  });

  it('the CLI refuses the same targets with exit 2 and says how to allow one', () => {
    for (const { backup, to, says } of refused) {
      const run = dayshift(['backup', 'restore', backup, '--to', to], dir, env);
      expect(run.code, `${to}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(says);
      expect(run.stderr).toMatch(/hint: .*(restore\.allowed_paths|name the server)/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    const withPassword = dayshift(
      ['backup', 'restore', 'db', '--to', pgUrl(db.restored('clipw'), db.role, API_PASSWORD)],
      dir,
      env,
    );
    expect(withPassword.code).toBe(2);
    expect(withPassword.stderr).toMatch(/carries a password/);
    expect(withPassword.stderr).not.toContain(API_PASSWORD);
    nothingWritten();
  });

  it('the CLI restores into an allowed path and a bare database name on the source server', async () => {
    const files = dayshift(['backup', 'restore', 'media', '--to', path.join(allowed, 'cli')], dir, env);
    expect(files.code, files.stderr).toBe(0);
    expect(readFileSync(path.join(allowed, 'cli', 'media', 'photo.txt'), 'utf8')).toBe('the photo');
    const target = db.restored('cli');
    const database = dayshift(['backup', 'restore', 'db', '--to', target], dir, env);
    expect(database.code, database.stderr).toBe(0);
    expect(await db.notesIn(target)).toBe(3);
  });

  it('validate refuses a runbook restore step whose to is outside the rules, at the step', () => {
    const steps = refused.map(({ backup, to }) => `      - restore: { backup: ${backup}, to: "${to}" }`);
    const file = path.join(dir, 'steps.yaml');
    writeFileSync(
      file,
      stackYaml(`runbooks:
  recover:
    steps:
${steps.join('\n')}
      - restore: { backup: media, to: ../allowed/ok }
      - restore: { backup: db, to: "postgres://127.0.0.1:5432/elsewhere" }
`),
    );
    const run = dayshift(['validate', '--config', file], dir, env);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    const lines = run.stdout.split('\n');
    refused.forEach(({ says }, i) => {
      const line = lines.find((l) => l.includes(`runbooks.recover.steps[${i}].restore.to:`));
      expect(line, `step ${i}`).toMatch(/steps\.yaml:\d+:\d+ /);
      expect(line).toMatch(says);
    });
    expect(run.stdout).toContain(`${refused.length} errors in`);

    writeFileSync(
      file,
      stackYaml(`runbooks:
  recover:
    steps:
      - restore: { backup: media, to: ../allowed/ok }
      - restore: { backup: db, to: "postgres://127.0.0.1:5432/elsewhere" }
      - restore: media
`),
    );
    const ok = dayshift(['validate', '--config', file], dir, env);
    expect(ok.code, ok.stdout).toBe(0);
  });

  it('a symlink planted after the check is refused when the restore starts, and nothing is written through it', async () => {
    const confined = confineTarget(backups, 'media', 'planted/here');
    const target = await filesBackupSource.restoreTarget({ paths: ['media'] }, confined, { baseDir: dir });
    symlinkSync(outside, path.join(dir, 'planted'));
    const snapshot = await backups.snapshot('media');
    const error = await restoreInto(backups, 'media', snapshot, target, { over: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DayshiftError);
    expect((error as DayshiftError).code).toBe('RESTORE_TARGET_REFUSED');
    expect((error as Error).message).toMatch(/a symlink appeared/);
    nothingWritten();
  });
});
