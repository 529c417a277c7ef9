import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import { until } from '../helpers/wait.js';
import { checkOf, testEnv } from './check-env.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-command-'));
const env = testEnv({}, { baseDir: dir });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** True while any process of the group is alive (kill with signal 0 only asks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('command check', () => {
  it('passes on exit 0 and fails on another exit code, which it reports', async () => {
    const ok = await runCheck(checkOf('command', { run: 'true' }), env);
    expect(ok.outcome).toBe('pass');
    expect(ok.conditions[0]).toMatchObject({ expr: 'exit_code == 0', ok: true, actual: 0 });
    const bad = await runCheck(checkOf('command', { run: 'echo broken >&2; exit 3' }), env);
    expect(bad.outcome).toBe('fail');
    expect(bad.conditions[0]).toMatchObject({ expr: 'exit_code == 0', ok: false, actual: 3 });
    expect(bad.details?.stderr).toBe('broken');
  });

  it('gives stdout to conditions, and a number alone on it as value', async () => {
    const text = await runCheck(
      checkOf('command', { run: ['echo', 'all good'] }, ["stdout contains 'good'"]),
      env,
    );
    expect(text.outcome).toBe('pass');
    expect(text.values.value).toBeUndefined();
    const number = await runCheck(
      checkOf('command', { run: 'echo " 17.5"' }, ['value > 17', 'value < 18']),
      env,
    );
    expect(number.outcome, JSON.stringify(number)).toBe('pass');
    expect(number.values.value).toBe(17.5);
  });

  it('keeps at most 64 KiB of stdout', async () => {
    const result = await runCheck(checkOf('command', { run: "head -c 200000 /dev/zero | tr '\\0' a" }), env);
    expect(result.outcome).toBe('pass');
    expect(result.details?.stdout_truncated_bytes).toBe(200_000);
  });

  it('merges env over its own environment', async () => {
    const result = await runCheck(
      checkOf(
        'command',
        { run: 'printf "%s %s" "$DAYSHIFT_GREETING" "${PATH:+has-path}"', env: { DAYSHIFT_GREETING: 'hi' } },
        ["stdout == 'hi has-path'"],
      ),
      env,
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
  });

  it('runs in cwd from the stack file directory, such as scripts/healthcheck.sh', async () => {
    mkdirSync(path.join(dir, 'app', 'scripts'), { recursive: true });
    const script = path.join(dir, 'app', 'scripts', 'healthcheck.sh');
    writeFileSync(script, '#!/bin/sh\n[ -f ./ready ] && echo "$(pwd)"\n');
    chmodSync(script, 0o755);
    const check = checkOf('command', { run: './scripts/healthcheck.sh', cwd: 'app' });
    const missing = await runCheck(check, env);
    expect(missing.outcome).toBe('fail');
    writeFileSync(path.join(dir, 'app', 'ready'), '');
    const ready = await runCheck(check, env);
    expect(ready.outcome, JSON.stringify(ready)).toBe('pass');
    expect(ready.conditions[0]?.actual).toBe(0);
    const noCwd = await runCheck(checkOf('command', { run: 'true', cwd: 'no-such-dir' }), env);
    expect(noCwd.error).toBe(`the working directory ${path.join(dir, 'no-such-dir')} does not exist`);
  });

  it('reports a program that does not exist as an error', async () => {
    const result = await runCheck(checkOf('command', { run: ['/nonexistent/dayshift-probe'] }), env);
    expect(result.outcome).toBe('fail');
    expect(result.error).toMatch(/could not run \/nonexistent\/dayshift-probe: .*ENOENT/);
  });

  it('kills the whole process group at its timeout, children included', async () => {
    const pidFile = path.join(dir, 'group.pid');
    const result = await runCheck(
      checkOf('command', { run: `echo $$ > ${pidFile}; sleep 30 & sleep 30; wait` }, [], 700),
      env,
    );
    expect(result).toMatchObject({ outcome: 'fail', timedOut: true, error: 'timed out after 700ms' });
    // The shell leads its own group, so its pid is the group id of both sleeps.
    const pgid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(pgid).toBeGreaterThan(1);
    await until(() => (groupAlive(pgid) ? undefined : true), `process group ${pgid} to be gone`, 5_000);
  });

  it('leaves nothing running after the program exits', async () => {
    const result = await runCheck(checkOf('command', { run: 'sleep 30 & echo $$' }), env);
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    const pgid = result.values.value as number;
    await until(() => (groupAlive(pgid) ? undefined : true), `process group ${pgid} to be gone`, 5_000);
  });

  it('runs as another user', async () => {
    expect(process.getuid?.(), 'running as another user needs the tests to run as root').toBe(0);
    const result = await runCheck(
      checkOf('command', { run: ['id', '-u'], user: 'nobody' }, ['value == 65534']),
      env,
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.conditions[0]?.actual).toBe(65534);
    const missing = await runCheck(checkOf('command', { run: 'true', user: 'dayshift-no-such-user' }), env);
    expect(missing.error).toBe('no such user: dayshift-no-such-user');
  });
});
