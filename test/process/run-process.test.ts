import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEnd, runProcess, shellExitCode, streamProcess } from '../../src/process/index.js';
import { OutputTail } from '../../src/process/output-tail.js';
import { Secret } from '../../src/schema/secret.js';
import { until } from '../helpers/wait.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A fresh file path for a program to write a pid into. */
function pidFile(): string {
  files += 1;
  return path.join(dir, `pid-${files}`);
}

function readPid(file: string): number {
  const pid = Number(readFileSync(file, 'utf8').trim());
  expect(pid).toBeGreaterThan(1);
  return pid;
}

/** True while the process runs; a zombie (dead, waiting for its parent to reap it) counts as gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces, the state follows its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<void> {
  await until(() => (alive(pid) ? undefined : true), `process ${pid} to be gone`, 5_000);
}

describe('the process runner', () => {
  it('runs a program with its arguments as given, without a shell', async () => {
    const outcome = await runProcess({ file: 'printf', args: ['%s|', 'a b', '$HOME', '*'] });
    expect(outcome).toMatchObject({ exitCode: 0, signal: null, timedOut: false, aborted: false });
    expect(outcome.stdout).toBe('a b|$HOME|*|');
    expect(outcome.pid).toBeGreaterThan(1);
  });

  it('runs a shell line through /bin/sh -c, keeping stdout and stderr apart', async () => {
    const outcome = await runProcess({ shell: 'echo "$((1 + 2))"; echo oops >&2' });
    expect(outcome).toMatchObject({ exitCode: 0, stdout: '3\n', stderr: 'oops\n' });
  });

  it('gives a non-zero exit and a killing signal as data', async () => {
    const failed = await runProcess({ shell: 'exit 7' });
    expect(failed).toMatchObject({ exitCode: 7, signal: null, startError: undefined });
    expect(describeEnd(failed)).toBe('exited with 7');
    const killed = await runProcess({ shell: 'kill -KILL $$' });
    expect(killed).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: false, aborted: false });
    expect(shellExitCode(killed)).toBe(137);
    expect(describeEnd(killed)).toBe('was killed by SIGKILL');
  });

  it('kills the whole group at the timeout, a grandchild that let go of the output included', async () => {
    const file = pidFile();
    const outcome = await runProcess(
      { shell: `sleep 120 >/dev/null 2>&1 & echo $! > ${file}; sleep 30` },
      { timeoutMs: 300 },
    );
    expect(outcome).toMatchObject({ timedOut: true, aborted: false, exitCode: null, signal: 'SIGTERM' });
    expect(outcome.durationMs).toBeLessThan(10_000);
    expect(describeEnd(outcome)).toBe('was stopped at its timeout');
    await gone(readPid(file));
  });

  it('follows SIGTERM with SIGKILL after the grace when the group ignores it', async () => {
    const file = pidFile();
    const outcome = await runProcess(
      { shell: `trap '' TERM; sleep 120 >/dev/null 2>&1 & echo $! > ${file}; sleep 30` },
      { timeoutMs: 200, killGraceMs: 200 },
    );
    expect(outcome).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    await gone(readPid(file));
  });

  it('kills what the program left running when it exits', async () => {
    const outcome = await runProcess({ shell: 'sleep 120 >/dev/null 2>&1 & echo $!' });
    expect(outcome.exitCode).toBe(0);
    await gone(Number(outcome.stdout.trim()));
  });

  it('leaves the group running when asked, its output appended to the file it names', async () => {
    const log = path.join(dir, 'left-running.log');
    writeFileSync(log, 'before\n');
    const outcome = await runProcess(
      { shell: 'echo started; (sleep 0.2; echo later; exec sleep 120) & echo $! > "$PIDFILE"' },
      { leaveRunning: { outputFile: log }, env: { PIDFILE: path.join(dir, 'left.pid') } },
    );
    expect(outcome.exitCode).toBe(0);
    // The tail is what this run appended, not what the file held before.
    expect(outcome.stdout).toBe('started\n');
    const pid = readPid(path.join(dir, 'left.pid'));
    try {
      expect(alive(pid)).toBe(true);
      await until(() => (readFileSync(log, 'utf8').includes('later') ? true : undefined), 'the later line');
      expect(readFileSync(log, 'utf8')).toBe('before\nstarted\nlater\n');
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('stops the group when its signal aborts, and does not start once aborted', async () => {
    const file = pidFile();
    const controller = new AbortController();
    const running = runProcess(
      { shell: `sleep 120 >/dev/null 2>&1 & echo $! > ${file}; sleep 30` },
      {
        signal: controller.signal,
      },
    );
    await until(
      () => (existsSync(file) && readFileSync(file, 'utf8').endsWith('\n') ? true : undefined),
      'the pid file',
    );
    controller.abort();
    const outcome = await running;
    expect(outcome).toMatchObject({ aborted: true, timedOut: false, signal: 'SIGTERM' });
    expect(describeEnd(outcome)).toBe('was stopped before it finished');
    await gone(readPid(file));

    const never = await runProcess(
      { shell: `touch ${path.join(dir, 'never')}` },
      { signal: controller.signal },
    );
    expect(never).toMatchObject({ aborted: true, pid: undefined, exitCode: null });
    expect(existsSync(path.join(dir, 'never'))).toBe(false);
  });

  it('keeps the end of each stream and says how much it dropped', async () => {
    const outcome = await runProcess(
      {
        shell:
          "head -c 100000 /dev/zero | tr '\\0' a; printf END; head -c 5000 /dev/zero | tr '\\0' e >&2; printf LAST >&2",
      },
      { tailBytes: { stdout: 1000, stderr: 100 } },
    );
    expect(outcome.stdout).toHaveLength(1000);
    expect(outcome.stdout.endsWith('aaaEND')).toBe(true);
    expect(outcome.truncated).toEqual({ stdout: 100_003 - 1000, stderr: 5_004 - 100 });
    expect(outcome.stderr).toBe(`${'e'.repeat(96)}LAST`);
  });

  it('leaves out a character the bound cut in half', () => {
    const tail = new OutputTail(5);
    tail.push(Buffer.from('ééé', 'utf8'));
    expect(tail.text()).toBe('éé');
    expect(tail.dropped).toBe(1);
  });

  it('keeps both streams in one tail when asked', async () => {
    const outcome = await runProcess({ shell: 'echo one; echo two >&2; echo three' }, { mergeOutput: true });
    expect(outcome.stdout.trim().split('\n').sort()).toEqual(['one', 'three', 'two']);
    expect(outcome.stderr).toBe('');
  });

  it('scrubs known secrets and the values it is given from both tails', async () => {
    const secret = new Secret('canary-process-secret-41c7');
    const outcome = await runProcess(
      { shell: 'echo "pw=$SECRET token=$TOKEN"; echo "$SECRET" >&2' },
      {
        env: { SECRET: secret.reveal(), TOKEN: 'canary-process-token-9e2a' },
        scrub: ['canary-process-token-9e2a'],
      },
    );
    expect(outcome.stdout).toBe('pw=[redacted] token=[redacted]\n');
    expect(outcome.stderr).toBe('[redacted]\n');
    // Data to parse (restic's JSON) is kept as written; what is shown (stderr) is still scrubbed.
    const data = await runProcess(
      { shell: 'echo "{\\"tag\\": \\"$SECRET\\"}"; echo "$SECRET" >&2' },
      { env: { SECRET: secret.reveal() }, rawStdout: true },
    );
    expect(data.stdout).toBe(`{"tag": "${secret.reveal()}"}\n`);
    expect(data.stderr).toBe('[redacted]\n');
  });

  it('feeds stdin from a string or a stream, and stops the program when the stream fails', async () => {
    expect((await runProcess({ file: 'cat' }, { stdin: 'from a string' })).stdout).toBe('from a string');
    expect((await runProcess({ file: 'cat' }, { stdin: Readable.from(['from ', 'a stream']) })).stdout).toBe(
      'from a stream',
    );
    const broken = new Readable({ read() {} });
    broken.push('half a dump');
    const running = runProcess({ shell: 'cat > /dev/null; echo took it as whole' }, { stdin: broken });
    broken.destroy(new Error('the archive failed its check'));
    const outcome = await running;
    expect(outcome).toMatchObject({ signal: 'SIGTERM', stdout: '' });
    expect(broken.errored?.message).toBe('the archive failed its check');
  });

  it('gives a program that cannot start as data', async () => {
    const missing = await runProcess({ file: '/nonexistent/dayshift-program' });
    expect(missing).toMatchObject({ pid: undefined, exitCode: null, signal: null });
    expect(missing.startError?.code).toBe('ENOENT');
    expect(describeEnd(missing)).toMatch(/^could not start: .*\/nonexistent\/dayshift-program.*ENOENT/);
    const noCwd = await runProcess({ file: 'true' }, { cwd: path.join(dir, 'no-such-dir') });
    expect(noCwd.startError?.message).toBe(
      `the working directory ${path.join(dir, 'no-such-dir')} does not exist`,
    );
  });

  it('inherits the environment, adds, replaces and removes variables, and runs in cwd', async () => {
    process.env.DAYSHIFT_PROCESS_INHERITED = 'inherited';
    process.env.DAYSHIFT_PROCESS_REMOVED = 'removed';
    try {
      const outcome = await runProcess(
        {
          shell:
            'printf "%s|%s|%s|%s" "$DAYSHIFT_PROCESS_INHERITED" "$HOME" "${DAYSHIFT_PROCESS_REMOVED-unset}" "$(pwd)"',
        },
        { env: { HOME: '/elsewhere', DAYSHIFT_PROCESS_REMOVED: undefined }, cwd: dir },
      );
      expect(outcome.stdout).toBe(`inherited|/elsewhere|unset|${dir}`);
      const bare = await runProcess(
        { file: '/bin/sh', args: ['-c', 'printf "%s" "${DAYSHIFT_PROCESS_INHERITED-unset}"'] },
        { inheritEnv: false },
      );
      expect(bare.stdout).toBe('unset');
    } finally {
      delete process.env.DAYSHIFT_PROCESS_INHERITED;
      delete process.env.DAYSHIFT_PROCESS_REMOVED;
    }
  });
});

describe('a streamed run', () => {
  it('hands stdout over as a stream and keeps the tail of stderr', async () => {
    const run = streamProcess({ shell: 'printf "the archive"; echo "a warning" >&2' });
    expect(await text(run.stdout)).toBe('the archive');
    const outcome = await run.outcome;
    expect(outcome).toMatchObject({ exitCode: 0, stdout: '', stderr: 'a warning\n' });
  });

  it('a program that exited before its output was read is not counted as stopped by a later abort', async () => {
    const file = pidFile();
    const controller = new AbortController();
    const run = streamProcess(
      { shell: `echo $$ > ${file}; printf 'the whole dump'` },
      {
        signal: controller.signal,
      },
    );
    const pid = await until(
      () => (existsSync(file) && readFileSync(file, 'utf8').endsWith('\n') ? readPid(file) : undefined),
      'the pid file',
    );
    // Reaped by this process (so its exit is seen) while its output still waits to be read.
    await until(() => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 'the program to exit');
    controller.abort();
    expect(await text(run.stdout)).toBe('the whole dump');
    expect(await run.outcome).toMatchObject({ exitCode: 0, aborted: false, timedOut: false });
  });

  it('stops the program on its broken output when the reader destroys the stream', async () => {
    // `yes` writes forever: only the closed stream can end it.
    const run = streamProcess({ file: 'yes' });
    run.stdout.once('data', () => run.stdout.destroy());
    const outcome = await run.outcome;
    // stdio is a socket pair: depending on what was left unread, `yes` is told "connection reset"
    // (and exits 1) or "broken pipe" (and dies of SIGPIPE).
    expect(outcome).toMatchObject({ timedOut: false, aborted: false });
    expect(shellExitCode(outcome)).not.toBe(0);
    expect([null, 'SIGPIPE']).toContain(outcome.signal);
  });

  it('gives an empty stream and the start error for a program that cannot start', async () => {
    const run = streamProcess({ file: '/nonexistent/dayshift-dump-tool' });
    expect(await text(run.stdout)).toBe('');
    expect((await run.outcome).startError?.code).toBe('ENOENT');
  });
});
