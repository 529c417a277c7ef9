/**
 * Sends a signal to a whole process group: the program and everything it started. A group already
 * empty (ESRCH) is the goal reached, not an error.
 */
export function killGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined || pgid <= 1) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}
