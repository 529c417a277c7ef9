import { readdirSync, readlinkSync } from 'node:fs';

/**
 * Kills with SIGKILL every process whose working directory is `dir`: what a test started there and
 * could not stop itself (a server under `script`, which runs it in a session of its own, outlives a
 * signal to `script`'s group). For an afterAll, so a failed assertion never leaves a server running.
 * Returns the pids killed.
 */
export function killProcessesIn(dir: string): number[] {
  const killed: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    if (cwd !== dir) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone already
    }
  }
  return killed;
}
