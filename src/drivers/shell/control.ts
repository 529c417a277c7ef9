import { readFileSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { DayshiftError } from '../../errors.js';
import { describeEnd, type ProcessOutcome, runProcess } from '../../process/index.js';
import { scrubSecrets } from '../../schema/secret.js';
import { envVariables } from '../shared/env-lines.js';
import { groupOf, isAlive, untilGone } from '../shared/pids.js';
import type {
  ActionOptions,
  ActionResult,
  ServiceAction,
  ServiceControl,
  ServiceLogs,
  ServiceStatus,
  ServiceTarget,
} from '../types.js';
import type { ShellOptions } from './options.js';

/** What `logs` keeps at most, from a command or the log file: the end, which says what just happened. */
const LOG_BYTES = 256 * 1024;
const DEFAULT_TAIL_LINES = 200;
/** How often a start looks for a live pid in the pidfile, and a stop for an empty group. */
const POLL_MS = 50;

/** The shell driver acting on one service: each action runs the user's command with the stack file's folder as cwd. */
export function shellControl(target: ServiceTarget, o: ShellOptions): ServiceControl {
  const at = (file: string) => path.resolve(target.baseDir, file);
  const pidfile = o.pidfile === undefined ? undefined : at(o.pidfile);
  const logFile = o.log_file === undefined ? undefined : at(o.log_file);

  const run = async (
    action: ServiceAction,
    command: string,
    options: ActionOptions,
    env: Record<string, string> = {},
    background = false,
  ): Promise<ProcessOutcome> =>
    runProcess(
      { shell: command },
      {
        cwd: target.baseDir,
        env: { DAYSHIFT_SERVICE: target.service, DAYSHIFT_ACTION: action, ...env },
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        mergeOutput: true,
        tailBytes: { stdout: action === 'logs' || action === 'env' ? LOG_BYTES : undefined },
        ...(background && logFile ? { leaveRunning: { outputFile: logFile } } : {}),
      },
    );
  const failed = (action: ServiceAction, outcome: ProcessOutcome): DayshiftError =>
    new DayshiftError(
      'SERVICE_ACTION_FAILED',
      `${action} of service \`${target.service}\` failed: its command ${describeEnd(outcome)}`,
      { hint: lastLines(outcome.stdout, 10) || 'the command printed nothing' },
    );
  const ran = async (
    action: ServiceAction,
    command: string,
    options: ActionOptions,
    env: Record<string, string> = {},
    background = false,
  ): Promise<ActionResult> => {
    const outcome = await run(action, command, options, env, background);
    if (outcome.exitCode !== 0) throw failed(action, outcome);
    return { detail: `${action}: the command exited with 0`, output: outcome.stdout };
  };
  const pid = (): number | undefined => (pidfile ? readPid(pidfile) : undefined);

  /** After a start, the server it left must be alive in the pidfile: a start that kills it is a failure. */
  const untilRunning = async (action: ServiceAction, options: ActionOptions, result: ActionResult) => {
    if (!pidfile) return result;
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const now = pid();
      if (now !== undefined && isAlive(now)) return { ...result, detail: `${action}: running as pid ${now}` };
      if (Date.now() >= deadline || options.signal?.aborted)
        throw new DayshiftError(
          'SERVICE_ACTION_FAILED',
          `${action} of service \`${target.service}\`: its command succeeded but no live pid appeared in ${o.pidfile}`,
          {
            hint: logFile
              ? `its output is in ${o.log_file}; the command must write the server's pid to ${o.pidfile}`
              : 'a server the command leaves running is stopped when it returns unless the driver has `log_file:` (where its output goes)',
          },
        );
      await pause(POLL_MS);
    }
  };

  const status = async (options: ActionOptions): Promise<ServiceStatus> => {
    const known = pid();
    const live = known !== undefined && isAlive(known);
    if (o.status !== undefined) {
      const outcome = await run('status', o.status, options);
      const code = outcome.exitCode;
      const state = code === 0 ? 'running' : code !== null && code >= 1 && code <= 3 ? 'stopped' : 'unknown';
      return {
        state,
        ...(live ? { pid: known } : {}),
        detail: `the status command ${describeEnd(outcome)}${outcome.stdout ? `: ${lastLines(outcome.stdout, 1)}` : ''}`,
      };
    }
    if (known === undefined) return { state: 'stopped', detail: `no pid in ${o.pidfile}` };
    return live
      ? { state: 'running', pid: known, detail: `pid ${known} from ${o.pidfile} is alive` }
      : { state: 'stopped', detail: `pid ${known} from ${o.pidfile} is not running` };
  };

  const start = async (options: ActionOptions): Promise<ActionResult> => {
    // A second server would fight the first for its port and take over its pidfile.
    const running = pid();
    if (running !== undefined && isAlive(running))
      return { detail: `start: already running as pid ${running}`, output: '' };
    return untilRunning('start', options, await ran('start', o.start as string, options, {}, true));
  };

  const stop = async (options: ActionOptions): Promise<ActionResult> => {
    const before = pid();
    if (o.stop !== undefined) {
      const result = await ran('stop', o.stop, options);
      if (before !== undefined && isAlive(before) && !(await untilGone(before, options.timeoutMs)))
        throw new DayshiftError(
          'SERVICE_ACTION_FAILED',
          `stop of service \`${target.service}\`: its command succeeded but pid ${before} is still running`,
          { hint: `the stop command must end the process in ${o.pidfile}` },
        );
      return result;
    }
    if (before === undefined || !isAlive(before)) return { detail: 'stop: it was not running', output: '' };
    const stopped = await stopGroup(before, options);
    if (pidfile) rmSync(pidfile, { force: true });
    return { detail: `stop: ${stopped}`, output: '' };
  };

  return {
    status,
    start,
    stop,
    restart: async (options) => {
      if (o.restart === undefined) {
        await stop(options);
        return start(options);
      }
      return untilRunning('restart', options, await ran('restart', o.restart, options, {}, true));
    },
    rebuild: (options) => ran('rebuild', o.rebuild as string, options),
    redeploy: async (options) =>
      untilRunning('redeploy', options, await ran('redeploy', o.redeploy as string, options, {}, true)),
    scale: (options) =>
      ran('scale', o.scale as string, options, { DAYSHIFT_REPLICAS: String(options.replicas) }),
    logs: async (options): Promise<ServiceLogs> => {
      const tail = options.tail ?? DEFAULT_TAIL_LINES;
      if (o.logs !== undefined) {
        const outcome = await run('logs', o.logs, options, {
          DAYSHIFT_TAIL: String(tail),
          ...(options.sinceMs === undefined
            ? {}
            : { DAYSHIFT_SINCE: String(Math.ceil(options.sinceMs / 1000)) }),
        });
        if (outcome.exitCode !== 0) throw failed('logs', outcome);
        return { text: lastLines(outcome.stdout, tail), truncated: outcome.truncated.stdout };
      }
      const read = await readEnd(logFile as string, LOG_BYTES);
      return { text: lastLines(scrubSecrets(read.text), tail), truncated: read.truncated };
    },
    env: async (options) => {
      const outcome = await run('env', o.env as string, options);
      if (outcome.exitCode !== 0) throw failed('env', outcome);
      return envVariables(outcome.stdout);
    },
  };
}

/** SIGTERM to the pid's whole group, SIGKILL to what is left after the grace; says which it took. */
async function stopGroup(pid: number, options: ActionOptions): Promise<string> {
  const group = groupOf(pid);
  // Never signal Dayshift's own group: a server started by hand from Dayshift's shell shares it.
  const own = groupOf(process.pid);
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(group !== undefined && group !== own ? -group : pid, signal);
    } catch {
      // ESRCH: gone already.
    }
  };
  const target = group !== undefined && group !== own ? -group : pid;
  kill('SIGTERM');
  const grace = Math.min(options.timeoutMs, 10_000);
  if (await untilGone(target, grace)) return `pid ${pid} ended on SIGTERM`;
  kill('SIGKILL');
  if (await untilGone(target, 5_000)) return `pid ${pid} was killed after ${grace}ms`;
  throw new DayshiftError('SERVICE_ACTION_FAILED', `pid ${pid} is still running after SIGKILL`, {
    hint: 'Dayshift may lack the permission to signal it; stop it as its owner',
  });
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The last `count` lines of a text. */
function lastLines(text: string, count: number): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.slice(Math.max(0, lines.length - count)).join('\n');
}

/** The last `limit` bytes of a file, and how many came before them; nothing when it does not exist yet. */
async function readEnd(file: string, limit: number): Promise<{ text: string; truncated: number }> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return { text: '', truncated: 0 };
  }
  const from = Math.max(0, size - limit);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(size - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), truncated: from };
  } finally {
    await handle.close();
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
