import path from 'node:path';
import type { Command } from 'commander';
import { loadConfigOrThrow } from '../../config/load.js';
import { type ReleaseStanding, standingOf } from '../../deploys/drift.js';
import { Releases } from '../../deploys/releases.js';
import { SERVICE_ACTIONS, type ServiceAction } from '../../drivers/types.js';
import { DayshiftError } from '../../errors.js';
import { Runs } from '../../runs/runs.js';
import { parseDuration } from '../../schema/duration.js';
import { captureOptionsOf, describeCapture } from '../../services/acting.js';
import {
  isRecordedAction,
  type RecordedAction,
  recordServiceAction,
} from '../../services/recorded-action.js';
import { type ActionOutcome, type ActionRequest, ServiceHandle } from '../../services/service-control.js';
import { systemClock } from '../../util/clock.js';
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
      // What changes a service is recorded as a run and in the audit log; showing its environment is
      // an action for the audit log; reading its status or logs is neither, and needs no store.
      const json = globalOptions(cmd).json;
      if (isRecordedAction(action)) {
        const { runId, outcome } = await recordedAct(cmd, handle, action, request);
        if (json)
          process.stdout.write(
            `${JSON.stringify({ service, driver: handle.driver, runId, ...outcome }, null, 2)}\n`,
          );
        else {
          print(service, outcome);
          if (outcome.logsBeforeActing)
            process.stdout.write(`${describeCapture(outcome.logsBeforeActing)}\n`);
          process.stdout.write(`run ${runId}\n`);
        }
        return;
      }
      const outcome = AUDITED.has(action)
        ? await auditedAct(cmd, action, service, request, act)
        : await act();
      const release = action === 'status' ? await standing(cmd, handle) : undefined;
      if (json)
        process.stdout.write(
          `${JSON.stringify({ service, driver: handle.driver, ...outcome, ...(release ? { release } : {}) }, null, 2)}\n`,
        );
      else {
        print(service, outcome);
        if (release) process.stdout.write(`release: ${release.detail}\n`);
      }
    });
}

const AUDITED = new Set(['env']);

async function auditedAct(
  cmd: Command,
  action: string,
  service: string,
  request: { replicas?: number },
  act: () => Promise<ActionOutcome>,
): Promise<ActionOutcome> {
  const { store } = await openCliStack(cmd);
  try {
    return await cliAudited(
      store,
      { action: `service.${action}`, target: service, params: paramsOf(request) },
      act,
    );
  } finally {
    await store.close();
  }
}

/**
 * A change, as a run (kind `service`, trigger `cli`) whose id its audit entry names, whatever the end.
 * A failed action says its run on stderr before the error, so the logs kept before it can be found.
 */
async function recordedAct(
  cmd: Command,
  handle: ServiceHandle,
  action: ServiceAction,
  request: ActionRequest,
): Promise<RecordedAction> {
  const { config, store } = await openCliStack(cmd);
  let opened: number | undefined;
  try {
    const env = { runs: new Runs(store.db, systemClock), clock: systemClock };
    return await cliAudited(
      store,
      { action: `service.${action}`, target: handle.name, params: paramsOf(request) },
      (note) =>
        untilInterrupted((signal) =>
          recordServiceAction(
            env,
            handle,
            action,
            { ...request, signal },
            {
              trigger: 'cli',
              capture: captureOptionsOf(config, handle.name),
              opened: (runId) => {
                opened = runId;
                note.run(runId);
              },
            },
          ),
        ),
    );
  } catch (error) {
    if (opened !== undefined && !globalOptions(cmd).json) process.stderr.write(`run ${opened}: failed\n`);
    throw error;
  } finally {
    await store.close();
  }
}

/**
 * Where the service stands against the live release Dayshift recorded (drift), for `status`; nothing
 * when it was never deployed by Dayshift or its store cannot be opened (status itself needs no store).
 */
async function standing(cmd: Command, handle: ServiceHandle): Promise<ReleaseStanding | undefined> {
  let opened: Awaited<ReturnType<typeof openCliStack>>;
  try {
    opened = await openCliStack(cmd);
  } catch {
    return undefined;
  }
  try {
    const releases = new Releases(opened.store.db, systemClock);
    return await standingOf(handle, releases, opened.config, path.dirname(path.resolve(opened.configPath)));
  } finally {
    await opened.store.close();
  }
}

function paramsOf(request: { replicas?: number }): Record<string, unknown> {
  return request.replicas === undefined ? {} : { replicas: request.replicas };
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
