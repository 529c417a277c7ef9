import { readdirSync, readFileSync } from 'node:fs';

/** Whether a process lives (one Dayshift may not signal, EPERM, lives too). A zombie counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return stateOf(pid) !== 'Z';
}

/** The process group of a pid (Linux /proc), or undefined when it is gone. */
export function groupOf(pid: number): number | undefined {
  const fields = statFields(pid);
  const group = fields ? Number(fields[2]) : Number.NaN;
  return Number.isSafeInteger(group) && group > 0 ? group : undefined;
}

function stateOf(pid: number): string | undefined {
  return statFields(pid)?.[0];
}

/** The fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, ... */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * Waits until a pid (or, negative, a whole process group) has no live process, up to `ms`; true when
 * it is gone.
 */
export async function untilGone(target: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!anyAlive(target)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function anyAlive(target: number): boolean {
  return target > 0 ? isAlive(target) : groupMembers(-target).length > 0;
}

/**
 * The live processes of a group (Linux /proc). Zombies are left out: a server whose parent exited is
 * reaped by whoever adopted it, which may be slow to, and a zombie runs nothing.
 */
export function groupMembers(group: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && fields[0] !== 'Z' && Number(fields[2]) === group) out.push(Number(entry));
  }
  return out;
}
