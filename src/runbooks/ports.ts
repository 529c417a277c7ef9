import type { Kysely } from 'kysely';
import { openBackups } from '../backup/open.js';
import { restoreBackup } from '../backup/restore.js';
import type { CheckKind } from '../checks/registry.js';
import { type RunEnvironment, type RunnableCheck, reasonOf, runCheck } from '../checks/run.js';
import type { CheckResult } from '../checks/types.js';
import { parseCondition } from '../conditions/index.js';
import type { StackConfig } from '../config/schema.js';
import type { ServiceAction } from '../drivers/types.js';
import { DayshiftError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { checksOf, type MonitoredCheck } from '../monitor/configured-checks.js';
import { HeartbeatStore } from '../monitor/heartbeats.js';
import { notifierKinds } from '../notifiers/registry.js';
import { renderNotification } from '../notifiers/shared/templates.js';
import type { NotifiedAlert, NotifierKindDefinition } from '../notifiers/types.js';
import type { StepScope } from '../runs/recorder.js';
import type { Runs } from '../runs/runs.js';
import { captureOptionsOf, describeCapture, performAction } from '../services/acting.js';
import { ServiceHandle } from '../services/service-control.js';
import { runSmokeSuite } from '../smoke/run-suite.js';
import type { CheckVerdict, DeploysPort, StepContext } from '../steps/types.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { ownValue } from '../util/own.js';

/** Where a run acts: the stack file it was started from, its store and clock. */
export interface PortsEnv {
  config: StackConfig;
  configPath: string;
  baseDir: string;
  db: Kysely<Database>;
  runs: Runs;
  clock: Clock;
  /** Deploys, where the process has them (a node, the CLI); a deploy step elsewhere fails saying so. */
  deploys?: DeploysPort;
}

export type Ports = Pick<StepContext, 'services' | 'checks' | 'backups' | 'smoke' | 'notify' | 'deploys'>;

const NO_DEPLOYS: DeploysPort = {
  deploy: () => Promise.reject(new DayshiftError('INTERNAL', 'deploys are not available to this run')),
  rollback: () => Promise.reject(new DayshiftError('INTERNAL', 'deploys are not available to this run')),
};

/**
 * The ports a run's steps act through, over one stack file. Each step gets its own services port (the
 * logs a restart keeps belong to that step); the rest are shared by the run.
 */
export function openPorts(env: PortsEnv, runId: number): (scope: Pick<StepScope, 'evidence'>) => Ports {
  const checkEnv: RunEnvironment = {
    clock: env.clock,
    baseDir: env.baseDir,
    heartbeats: new HeartbeatStore(env.db, env.clock),
  };
  const defined = new Map(checksOf(env.config).map((c) => [c.id, c]));
  const handles = new Map<string, ServiceHandle>();
  const handleOf = (service: string) => {
    let handle = handles.get(service);
    if (!handle) {
      handle = new ServiceHandle(env.config, env.baseDir, service);
      handles.set(service, handle);
    }
    return handle;
  };
  const trigger = `run:${runId}`;
  const checks: Ports['checks'] = {
    ofService: (service) => [...defined.values()].filter((c) => c.service === service).map((c) => c.id),
    async run(refs, _signal, override) {
      const chosen = select(defined, refs);
      const expect = override?.expect.map((text) => parseCondition(text));
      const results = await Promise.all(
        chosen.map((check) => runCheck(expect ? { ...check, expect } : check, checkEnv)),
      );
      return results.map((result, i) => verdictOf((chosen[i] as MonitoredCheck).id, result));
    },
    async runInline(kind, options, expect, timeoutMs) {
      const check: RunnableCheck = {
        id: `step ${kind}`,
        kind: kind as CheckKind,
        options,
        expect: expect.map((text) => parseCondition(text)),
        timeout: timeoutMs,
      };
      return verdictOf(check.id, await runCheck(check, checkEnv));
    },
  };
  const backups: Ports['backups'] = {
    async run(name, signal) {
      const result = await openBackups(env.config, env.configPath, env.db, { clock: env.clock }).run(name, {
        trigger,
        signal,
      });
      return {
        snapshot: result.snapshot.id,
        detail: `snapshot ${result.snapshot.id} of ${name} taken (run ${result.runId})`,
      };
    },
    async restore(name, options) {
      const result = await restoreBackup(
        openBackups(env.config, env.configPath, env.db, { clock: env.clock }),
        name,
        // Over the original, a runbook's restore is what its author asked for: it goes ahead, after a
        // safety snapshot of what the target holds now, as `dayshift backup restore --force` does.
        {
          snapshot: options.snapshot,
          to: options.to,
          force: options.to === undefined,
          trigger,
          signal: options.signal,
        },
      );
      const safety = result.safetySnapshot
        ? `; what it held is kept as snapshot ${result.safetySnapshot}`
        : '';
      return {
        detail: `snapshot ${result.snapshot.id} of ${name} restored into ${result.target} (run ${result.runId})${safety}`,
      };
    },
  };
  const smoke: Ports['smoke'] = {
    async run(suite) {
      const report = await runSmokeSuite(env.config, suite, checkEnv, { runs: env.runs, trigger });
      const failed = report.steps.filter((s) => s.outcome === 'fail');
      return {
        ok: report.ok,
        runId: report.runId,
        detail: report.ok
          ? `smoke suite ${suite} passed (${report.steps.length} steps, run ${report.runId})`
          : `smoke suite ${suite} failed: ${failed.map((s) => `${s.name}: ${s.reason}`).join('; ')} (run ${report.runId})`,
      };
    },
  };
  const notify: Ports['notify'] = {
    async send(notifiers, message, signal) {
      const sent: string[] = [];
      for (const name of notifiers) {
        const definition = ownValue(env.config.notifiers, name);
        if (!definition) throw new DayshiftError('NOT_FOUND', `no notifier "${name}" in the stack file`);
        const kind = notifierKinds[definition.kind] as NotifierKindDefinition;
        await kind.send(
          definition.options,
          runMessage(env.config.stack, runId, message, definition.template),
          {
            notifier: name,
            signal,
            baseDir: env.baseDir,
            logger: silentLogger(),
          },
        );
        sent.push(name);
      }
      return { detail: `sent to ${sent.join(', ')}` };
    },
  };
  return (scope) => ({
    checks,
    backups,
    smoke,
    notify,
    deploys: env.deploys ?? NO_DEPLOYS,
    services: {
      async act(service, action, request) {
        const handle = handleOf(service);
        const outcome = await performAction(
          handle,
          action as ServiceAction,
          request,
          scope,
          captureOptionsOf(env.config, service),
        );
        switch (outcome.action) {
          case 'status':
            return { detail: outcome.status.detail, status: outcome.status };
          case 'logs':
            return { detail: `${outcome.logs.text.length} characters of logs`, logs: outcome.logs.text };
          case 'env':
            return { detail: `${outcome.env.length} variables` };
          default: {
            const logs = outcome.logsBeforeActing ? `; ${describeCapture(outcome.logsBeforeActing)}` : '';
            return { detail: `${outcome.result.detail}${logs}`, output: outcome.result.output };
          }
        }
      },
      async status(service, signal) {
        const handle = handleOf(service);
        if (!handle.supports.includes('status')) return undefined;
        return handle.status(signal);
      },
      async probe(service, signal) {
        return handleOf(service).images()?.probe?.({ timeoutMs: 30_000, signal });
      },
    },
  });
}

function select(defined: ReadonlyMap<string, MonitoredCheck>, refs: readonly string[]): MonitoredCheck[] {
  const out: MonitoredCheck[] = [];
  for (const ref of refs) {
    const exact = defined.get(ref);
    const matches = exact ? [exact] : [...defined.values()].filter((c) => c.service === ref);
    if (matches.length === 0)
      throw new DayshiftError('CHECK_NOT_FOUND', `no check or service named ${ref} in the stack file`);
    out.push(...matches);
  }
  return out;
}

function verdictOf(id: string, result: CheckResult): CheckVerdict {
  const reason = result.outcome === 'pass' ? 'passes' : (reasonOf(result) ?? result.outcome);
  const seen: Record<string, unknown> = { latency_ms: result.latencyMs, ...result.values };
  if (result.status !== undefined) seen.status = result.status;
  return { id, outcome: result.outcome, reason, result: seen };
}

/** A runbook's `notify:` message, rendered with the notifier's own template as one notification. */
function runMessage(
  stack: string | undefined,
  runId: number,
  message: string,
  template: Parameters<typeof renderNotification>[1],
): ReturnType<typeof renderNotification> {
  const now = new Date();
  const alert: NotifiedAlert = {
    id: 0,
    key: `run:${runId}`,
    event: 'message',
    name: message,
    origin: 'runbook',
    severity: 'low',
    state: 'firing',
    flapping: false,
    summary: message,
    labels: { run: String(runId) },
    startedAt: now.toISOString(),
  };
  return renderNotification(
    {
      deliveryId: `run-${runId}-${now.getTime()}`,
      stack: stack ?? 'dayshift',
      alerts: [alert],
      createdAt: now.toISOString(),
    },
    template,
  );
}
