import path from 'node:path';
import type { Command } from 'commander';
import { loadConfigOrThrow } from '../../config/load.js';
import { SERVICE_ACTIONS, type ServiceAction } from '../../drivers/types.js';
import { DayshiftError } from '../../errors.js';
import { parseDuration } from '../../schema/duration.js';
import { type ActionOutcome, ServiceHandle } from '../../services/service-control.js';
import { colorsOn, tone } from '../../util/terminal.js';
import { cliAudited } from '../audited.js';
import { configPathOf, globalOptions, openCliStack, untilInterrupted } from '../context.js';
import { printTable } from '../table.js';

interface SvcOptions {
  replicas?: string;
  since?: string;
  tail?: string;
}

/**
 * `dayshift svc <action> <service>`: acts on a service through its driver, in this process (no server
 * needed). A failed action exits 1, an unknown service or an action its driver lacks 2.
 */
export function defineSvc(svc: Command): void {
  svc
    .argument('<action>', SERVICE_ACTIONS.join(', '))
    .argument('<name>', 'a service under services: in the stack file')
    .option('--replicas <n>', 'for scale: the number of replicas')
    .option(
      '--since <duration>',
      'for logs: only the last this long, such as 15m (where the driver can tell)',
    )
    .option('--tail <n>', 'for logs: at most this many lines, the last ones (default 200)')
    .action(async (action: string, service: string, options: SvcOptions, cmd: Command) => {
      if (!(SERVICE_ACTIONS as readonly string[]).includes(action))
        throw new DayshiftError('BAD_REQUEST', `unknown action \`${action}\``, {
          hint: `actions: ${SERVICE_ACTIONS.join(', ')}`,
        });
      const configPath = configPathOf(cmd);
      const { config } = loadConfigOrThrow(configPath);
      const handle = new ServiceHandle(config, path.dirname(path.resolve(configPath)), service);
      const request = {
        replicas: count('--replicas', options.replicas, 0),
        tail: count('--tail', options.tail, 1),
        sinceMs: options.since === undefined ? undefined : since(options.since),
      };
      const act = () =>
        untilInterrupted((signal) => handle.act(action as ServiceAction, { ...request, signal }));
      // What changes a service, or shows its environment, is an action for the audit log; reading its
      // status or logs is not, and needs no store.
      const outcome = AUDITED.has(action)
        ? await auditedAct(cmd, action, service, request, act)
        : await act();
      if (globalOptions(cmd).json)
        process.stdout.write(`${JSON.stringify({ service, driver: handle.driver, ...outcome }, null, 2)}\n`);
      else print(service, outcome);
    });
}

const AUDITED = new Set(['restart', 'stop', 'start', 'rebuild', 'redeploy', 'scale', 'env']);

async function auditedAct(
  cmd: Command,
  action: string,
  service: string,
  request: { replicas?: number },
  act: () => Promise<ActionOutcome>,
): Promise<ActionOutcome> {
  const { store } = await openCliStack(cmd);
  try {
    const params = request.replicas === undefined ? {} : { replicas: request.replicas };
    return await cliAudited(store, { action: `service.${action}`, target: service, params }, act);
  } finally {
    await store.close();
  }
}

function print(service: string, outcome: ActionOutcome): void {
  switch (outcome.action) {
    case 'status': {
      const s = outcome.status;
      printTable(
        ['SERVICE', 'STATE', 'PID', 'HEALTH', 'RESTARTS', 'DETAIL'],
        [
          [
            service,
            tone(s.state, colorsOn(process.stdout)),
            s.pid === undefined ? '-' : String(s.pid),
            s.health ?? '-',
            s.restarts === undefined ? '-' : String(s.restarts),
            s.detail,
          ],
        ],
      );
      return;
    }
    case 'logs':
      if (outcome.logs.text) process.stdout.write(`${outcome.logs.text.replace(/\n?$/, '\n')}`);
      return;
    case 'env':
      for (const v of outcome.env) process.stdout.write(`${v.name}=${v.value}\n`);
      return;
    default:
      if (outcome.result.output) process.stdout.write(outcome.result.output.replace(/\n?$/, '\n'));
      process.stdout.write(`${service}: ${outcome.result.detail}\n`);
  }
}

function count(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > 10_000)
    throw new DayshiftError(
      'BAD_REQUEST',
      `${flag} must be a whole number from ${min} to 10000, got ${text}`,
    );
  return n;
}

function since(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new DayshiftError('BAD_REQUEST', `--since must be a duration such as 15m or 2h, got ${text}`);
  return ms;
}
