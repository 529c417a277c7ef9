import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DayshiftError } from '../../errors.js';
import { describeEnd, type ProcessOutcome, runProcess } from '../../process/index.js';
import { envVariables } from '../shared/env-lines.js';
import type {
  ActionOptions,
  ActionResult,
  EnvVariable,
  LogsOptions,
  ServiceAction,
  ServiceControl,
  ServiceLogs,
  ServiceStatus,
  ServiceTarget,
} from '../types.js';
import type { SystemdOptions } from './options.js';

/** What `logs` keeps at most: the end, which says what just happened. */
const LOG_BYTES = 256 * 1024;
const DEFAULT_TAIL_LINES = 200;
/** The properties `status` reads, in `key=value` form (the order of `--value` output is not the request's). */
const STATUS_PROPERTIES = 'LoadState,ActiveState,SubState,MainPID,NRestarts,Result';
/** What systemctl and journalctl print when there is no systemd to talk to (PID 1 is something else). */
const NO_MANAGER =
  /System has not been booted with systemd|Failed to connect to (the )?bus|Failed to get D-Bus connection|Host is down|No medium found/i;

/**
 * The systemd driver acting on one unit through `systemctl` and `journalctl`, found on PATH, with
 * `--user` for a user unit. Every call goes through the process runner with the action's timeout.
 */
export function systemdControl(target: ServiceTarget, o: SystemdOptions): ServiceControl {
  const unit = o.unit ?? `${target.service}.service`;
  const scope = o.user ? ['--user'] : [];
  const where = o.user ? `user unit ${unit}` : `unit ${unit}`;

  const run = (program: 'systemctl' | 'journalctl', args: string[], options: ActionOptions, tail?: number) =>
    runProcess(
      { file: program, args },
      {
        cwd: target.baseDir,
        // No pager, no colours, no password prompt: nobody is at a terminal to answer one.
        env: { SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0', LC_ALL: 'C' },
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        tailBytes: { stdout: tail },
      },
    );
  const systemctl = async (action: ServiceAction, args: string[], options: ActionOptions) => {
    const outcome = await run(
      'systemctl',
      [...scope, '--no-pager', '--no-ask-password', ...args, '--', unit],
      options,
    );
    if (outcome.exitCode !== 0) throw failure(action, 'systemctl', outcome);
    return outcome;
  };
  const failure = (action: ServiceAction, program: string, outcome: ProcessOutcome): DayshiftError => {
    const said = lastLines(`${outcome.stderr}\n${outcome.stdout}`.trim(), 5);
    if (outcome.startError?.code === 'ENOENT')
      return new DayshiftError('SYSTEMD_UNAVAILABLE', `${program} is not installed here (or not on PATH)`, {
        hint: 'the systemd driver runs systemctl and journalctl on the machine Dayshift runs on',
        cause: outcome.startError,
      });
    if (NO_MANAGER.test(said))
      return new DayshiftError('SYSTEMD_UNAVAILABLE', `systemd does not answer ${program}: ${said}`, {
        hint: o.user
          ? "a user unit needs the user's own manager running (loginctl enable-linger <user>) and Dayshift running as that user"
          : 'the machine must run systemd as PID 1 (`systemctl is-system-running` says)',
      });
    return new DayshiftError(
      'SERVICE_ACTION_FAILED',
      `${action} of service \`${target.service}\` (${where}) failed: ${program} ${describeEnd(outcome)}`,
      { hint: said || `\`systemctl${o.user ? ' --user' : ''} status ${unit}\` and the unit's logs say more` },
    );
  };

  const status = async (options: ActionOptions): Promise<ServiceStatus> => {
    const shown = properties((await systemctl('status', ['show', '-p', STATUS_PROPERTIES], options)).stdout);
    const active = shown.ActiveState ?? '';
    if (shown.LoadState === 'not-found') return { state: 'unknown', detail: `there is no ${where}` };
    const pid = Number(shown.MainPID);
    const restarts = Number(shown.NRestarts);
    const result = shown.Result && shown.Result !== 'success' ? `, last result ${shown.Result}` : '';
    return {
      state: RUNNING.has(active) ? 'running' : STOPPED.has(active) ? 'stopped' : 'unknown',
      ...(Number.isSafeInteger(pid) && pid > 0 ? { pid } : {}),
      ...(shown.NRestarts !== undefined && Number.isSafeInteger(restarts) ? { restarts } : {}),
      detail: `${unit} is ${active || 'in no known state'}${shown.SubState ? ` (${shown.SubState})` : ''}${result}`,
    };
  };
  /** Runs a verb of systemctl, then says where the unit is now. */
  const act = async (action: 'start' | 'stop' | 'restart', options: ActionOptions): Promise<ActionResult> => {
    const outcome = await systemctl(action, [action], options);
    const now = await status(options);
    return {
      detail: `${action}: ${now.detail}${now.pid === undefined ? '' : ` as pid ${now.pid}`}`,
      output: `${outcome.stdout}${outcome.stderr}`,
    };
  };
  const logs = async (options: LogsOptions): Promise<ServiceLogs> => {
    const tail = options.tail ?? DEFAULT_TAIL_LINES;
    const args = [
      ...(o.user ? [`--user-unit=${unit}`] : ['-u', unit]),
      '--no-pager',
      '--quiet',
      '-o',
      'short-iso',
      '-n',
      String(tail),
      ...(options.sinceMs === undefined ? [] : [`--since=-${Math.ceil(options.sinceMs / 1000)}s`]),
    ];
    const outcome = await run('journalctl', args, options, LOG_BYTES);
    if (outcome.exitCode !== 0) throw failure('logs', 'journalctl', outcome);
    return { text: lastLines(outcome.stdout.replace(/\n$/, ''), tail), truncated: outcome.truncated.stdout };
  };
  const env = async (options: ActionOptions): Promise<EnvVariable[]> => {
    const outcome = await systemctl('env', ['show', '-p', 'Environment', '-p', 'EnvironmentFiles'], options);
    const values = new Map<string, string>();
    const files: string[] = [];
    for (const line of outcome.stdout.split('\n')) {
      if (line.startsWith('Environment='))
        for (const word of words(line.slice('Environment='.length))) {
          const at = word.indexOf('=');
          if (at > 0) values.set(word.slice(0, at), word.slice(at + 1));
        }
      if (line.startsWith('EnvironmentFiles=')) files.push(line.slice('EnvironmentFiles='.length));
    }
    // systemd reads the files after Environment=, and their values win.
    for (const entry of files) {
      const match = /^(.*?)(?: \(ignore_errors=(yes|no)\))?$/.exec(entry);
      const file = path.resolve(target.baseDir, match?.[1] ?? entry);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        if (match?.[2] === 'yes') continue;
        throw new DayshiftError(
          'SERVICE_ACTION_FAILED',
          `env of service \`${target.service}\`: cannot read ${file}`,
          {
            hint: `the ${where} reads it (EnvironmentFile=); Dayshift reads it too, so it must run as a user that may`,
            cause: error,
          },
        );
      }
      for (const line of text.split('\n')) {
        const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)=(.*?)\r?$/.exec(line);
        if (m) values.set(m[1] as string, unquoted(m[2] as string));
      }
    }
    return envVariables([...values].map(([name, value]) => `${name}=${value}`).join('\n'));
  };

  const none = (action: ServiceAction) => async (): Promise<never> => {
    throw new DayshiftError('ACTION_UNSUPPORTED', `the systemd driver has no \`${action}\``, {
      hint: 'a unit is started, stopped and restarted; a shell driver can run another command',
    });
  };
  return {
    status,
    start: (options) => act('start', options),
    stop: (options) => act('stop', options),
    restart: (options) => act('restart', options),
    rebuild: none('rebuild'),
    redeploy: none('redeploy'),
    scale: none('scale'),
    logs,
    env,
  };
}

const RUNNING = new Set(['active', 'reloading']);
const STOPPED = new Set(['inactive', 'failed']);

/** `Key=value` lines, as `systemctl show` prints them. */
function properties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/** The assignments of `Environment=` as systemctl show prints them: spaces between, double quotes around one with spaces. */
function words(text: string): string[] {
  const out: string[] = [];
  let word = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      started = true;
    } else if (c === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(c)) {
      if (started) out.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (started) out.push(word);
  return out;
}

/** An environment file's value without the quotes systemd removes. */
function unquoted(value: string): string {
  const m = /^(["'])(.*)\1$/.exec(value);
  return m ? (m[2] as string) : value;
}

function lastLines(text: string, count: number): string {
  if (text === '') return '';
  const lines = text.split('\n');
  return lines.slice(Math.max(0, lines.length - count)).join('\n');
}
