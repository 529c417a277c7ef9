import { spawnSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, scratch } from '../config/fixtures.js';
import { documentedAnswers } from './documented.js';

const tmp = scratch('exits');
afterAll(tmp.cleanup);

beforeAll(() => {
  tmp.write(
    'dayshift.yaml',
    `version: 1
stack: exits
repositories:
  here: { local: { path: vault } }
backups:
  app: { source: { sqlite: { path: app.db } }, repository: here }
`,
  );
  tmp.write('broken.yaml', 'version: 1\nstack: exits\nservices: { web: { checks: { h: { htp: {} } } } }\n');
  const db = new Database(path.join(tmp.dir, 'app.db'));
  db.exec("create table notes (body text); insert into notes values ('a');");
  db.close();
}, 120_000);

/** Runs the built `dayshift` in the scratch directory, one process at a time. */
function dayshift(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: tmp.dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { code: result.status, stderr: result.stderr };
}

/** The exit code docs/api.md (and docs/cli.md) give a code. */
const exitOf = (code: string) => documentedAnswers().get(code)?.exit;

describe('the exit code of the real CLI is the one documented for its error', () => {
  it('an invalid stack file exits 2, a store that does not answer 3, neither with a stack trace', () => {
    const invalid = dayshift(['--config', 'broken.yaml', 'jobs', 'list']);
    expect(invalid.code).toBe(exitOf('CONFIG_INVALID'));
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^error: 1 error in the stack file/);

    const down = dayshift(['jobs', 'list'], {
      DAYSHIFT_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/dayshift',
    });
    expect(down.code).toBe(exitOf('STORE_UNAVAILABLE'));
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/does not answer/);
    expect(down.stderr).toMatch(/^cause: .*ECONNREFUSED/m);
    for (const { stderr } of [invalid, down]) expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown job id and an unknown option are wrong input: exit 2', () => {
    const missing = dayshift(['jobs', 'show', '999999']);
    expect(missing.code).toBe(exitOf('JOB_NOT_FOUND'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no job 999999');
    const usage = dayshift(['jobs', 'list', '--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown option '--bogus'");
  });

  it('a conflict exits 1: a token name in use, a restore into a target that holds data', () => {
    expect(dayshift(['token', 'create', '--role', 'viewer', '--name', 'ci']).code).toBe(0);
    const taken = dayshift(['token', 'create', '--role', 'viewer', '--name', 'ci']);
    expect(taken.code).toBe(exitOf('TOKEN_NAME_TAKEN'));
    expect(taken.code).toBe(1);

    expect(dayshift(['backup', 'run', 'app']).code).toBe(0);
    const over = dayshift(['backup', 'restore', 'app']);
    expect(over.code).toBe(exitOf('RESTORE_TARGET_OCCUPIED'));
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/holds data; restoring app over it replaces that data/);
    expect(over.stderr).toMatch(/^hint: .*--force/m);
    expect(dayshift(['backup', 'restore', 'app', '--to', 'copy.db']).code).toBe(0);
    const again = dayshift(['backup', 'restore', 'app', '--to', 'copy.db']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/copy\.db is not empty/);
  });
});
