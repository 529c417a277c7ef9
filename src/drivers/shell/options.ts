import { z } from 'zod';

const command = () => z.string().min(1).optional();

/** The shell driver's options: a command per action, and the pidfile and log file that stand in for some. */
export const options = z.strictObject({
  start: command(),
  stop: command().describe('without one, stop sends SIGTERM to the process group of the pid in `pidfile`'),
  restart: command().describe('without one, restart is stop then start'),
  status: command().describe('exit 0 running, 1-3 stopped, anything else unknown'),
  /** Receives `$DAYSHIFT_SINCE` (seconds) and `$DAYSHIFT_TAIL` (lines). */
  logs: command().describe('prints recent logs; without one, they are read from `log_file`'),
  /** Receives the replica count in $DAYSHIFT_REPLICAS. */
  scale: command(),
  rebuild: command(),
  redeploy: command(),
  env: command().describe("prints the service's environment as NAME=value lines; secret values are masked"),
  pidfile: z.string().min(1).optional().describe('a file holding the pid of the running server'),
  log_file: z
    .string()
    .min(1)
    .optional()
    .describe('start, restart and redeploy append their output here and may leave a server running'),
});
export type ShellOptions = z.output<typeof options>;
