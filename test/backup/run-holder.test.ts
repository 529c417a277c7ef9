/**
 * Whose a run is: the holder a run records tells a process that is gone (a CLI killed in its
 * terminal) from one still under way, on real processes, and never judges a holder on another host.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { interruptedReason } from '../../src/backup/crash-recovery.js';
import { currentHolder, holderGone } from '../../src/runs/holder.js';

/** A real process that waits on its stdin; resolves with its holder-to-be and a way to end it. */
async function sleeper(): Promise<{ pid: number; end(): Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  await new Promise((resolve) => child.once('spawn', resolve));
  return {
    pid: child.pid as number,
    end: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

describe('a run holder', () => {
  const here = currentHolder();

  it('is this process while it runs', () => {
    expect(here.pid).toBe(process.pid);
    expect(holderGone(here)).toBe(false);
  });

  it('is gone once its process has exited, and not before', async () => {
    const child = await sleeper();
    const holder = { host: here.host, pid: child.pid, started: null };
    expect(holderGone(holder)).toBe(false);
    await child.end();
    expect(holderGone(holder)).toBe(true);
  });

  it('is gone when its pid now belongs to a process started at another time', async () => {
    expect(here.started, 'this machine has /proc').toMatch(/^\d+$/);
    expect(holderGone({ ...here, started: 'another start' })).toBe(true);
    const child = await sleeper();
    try {
      expect(holderGone({ host: here.host, pid: child.pid, started: '1' })).toBe(true);
    } finally {
      await child.end();
    }
  });

  it('on another host is never judged gone from here', async () => {
    const child = await sleeper();
    await child.end();
    expect(holderGone({ host: `${here.host}-elsewhere`, pid: child.pid, started: null })).toBe(false);
  });
});

describe('the reason an interrupted run records', () => {
  it('says a killed restore may have left its target partly written', () => {
    expect(interruptedReason('restore', 'last-attempt')).toMatch(
      /^interrupted: the process running this restore .* the restore target may be partly written/,
    );
    expect(interruptedReason('drill', 'retried')).not.toMatch(/partly written/);
    expect(interruptedReason('backup', { host: 'h1', pid: 42, started: null })).toBe(
      'interrupted: the process running this backup (pid 42 on h1) stopped before it finished',
    );
  });
});
