import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * The process that holds a run while it is `running`: its host, its pid and, where the system tells
 * it (Linux /proc), its start time in clock ticks since boot, so a pid reused by a later process is
 * not taken for the one that opened the run.
 */
export interface RunHolder {
  host: string;
  pid: number;
  /** /proc/<pid>/stat field 22, as text; null where there is no /proc. */
  started: string | null;
}

/**
 * When a process started: field 22 of /proc/<pid>/stat (starttime, clock ticks since boot), as text;
 * null where there is no /proc or no such process. The command name (field 2) may hold spaces and ')'.
 */
export function startTimeOf(pid: number | 'self'): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so starttime (field 22) is fields[19].
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

let self: RunHolder | undefined;

/** This process, as a run records its holder. */
export function currentHolder(): RunHolder {
  self ??= { host: hostname(), pid: process.pid, started: startTimeOf('self') };
  return self;
}

/**
 * Whether the holder of a run is known to be gone: it ran on this host, and its pid is no process
 * (ESRCH) or is a process started at another time (the pid was reused). A holder on another host is
 * never judged gone here: this host cannot see its processes.
 */
export function holderGone(holder: RunHolder): boolean {
  const here = currentHolder();
  if (holder.host !== here.host) return false;
  if (holder.pid === here.pid) return holder.started !== here.started;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: a process of another user holds that pid, so it is alive.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  if (holder.started === null) return false;
  const started = startTimeOf(holder.pid);
  return started !== null && started !== holder.started;
}
