/**
 * TEST ONLY. Kills this process with SIGKILL at a named point when DAYSHIFT_TEST_CRASH_AT names it, so
 * crash tests can stop a node exactly around a backup's commit instead of hoping a timed kill lands
 * there. Never active unless that variable is set; nothing else reads it.
 *
 * Points: `backup:before-commit` (every stream stored, nothing committed), `backup:after-commit` (the
 * snapshot committed, its run not yet recorded), `backup:after-record` (the run recorded succeeded,
 * the job not yet completed), `drill:after-restore` (a drill's scratch target restored, its run open),
 * `restore:after-write` (a restore's target written, its run open).
 */
export function crashPoint(
  point:
    | 'backup:before-commit'
    | 'backup:after-commit'
    | 'backup:after-record'
    | 'drill:after-restore'
    | 'restore:after-write',
): void {
  if (process.env.DAYSHIFT_TEST_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
