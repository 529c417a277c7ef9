import { hostname } from 'node:os';
import type { Command } from 'commander';
import { reasonOf } from '../../checks/run.js';
import { EXIT } from '../../errors.js';
import { baseDirOf, selectChecks } from '../../monitor/configured-checks.js';
import { Monitor, type RunOutcome } from '../../monitor/monitor.js';
import { describeDuration } from '../../schema/duration.js';
import { systemClock } from '../../util/clock.js';
import { colorsOn, tone } from '../../util/terminal.js';
import { globalOptions, openCliStack } from '../context.js';
import { printTable } from '../table.js';

const VERDICT = { pass: 'healthy', warn: 'degraded', fail: 'unhealthy' } as const;

/**
 * `dayshift check [service | service.check ...]`: runs checks now, prints what each one saw, and exits
 * 1 when any run failed. Each run is recorded like a scheduled one, so `status` and history include it.
 */
export function defineCheck(check: Command): void {
  check
    .argument('[targets...]', 'services or service.check names; all checks when omitted')
    .action(async (targets: string[], _options: unknown, cmd: Command) => {
      const { config, configPath, store } = await openCliStack(cmd);
      try {
        const monitor = new Monitor({
          store,
          config,
          baseDir: baseDirOf(configPath),
          clock: systemClock,
          nodeId: `${hostname()}:${process.pid}:cli`,
        });
        const chosen = selectChecks(monitor.checks, targets);
        await monitor.prepare();
        const outcomes = await monitor.runNow(chosen);
        if (globalOptions(cmd).json)
          process.stdout.write(`${JSON.stringify(outcomes.map(jsonOf), null, 2)}\n`);
        else printOutcomes(outcomes);
        if (outcomes.some((o) => o.result.outcome === 'fail')) process.exitCode = EXIT.failed;
      } finally {
        await store.close();
      }
    });
}

function printOutcomes(outcomes: readonly RunOutcome[]): void {
  if (outcomes.length === 0) {
    process.stdout.write('this file defines no checks\n');
    return;
  }
  const colour = colorsOn(process.stdout);
  printTable(
    ['SERVICE', 'CHECK', 'STATE', 'LATENCY', 'WHY'],
    outcomes.map(({ check, result }) => [
      check.service,
      check.name,
      tone(VERDICT[result.outcome], colour),
      `${formatLatency(result.latencyMs)}`,
      reasonOf(result) ?? '',
    ]),
  );
}

function formatLatency(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)}ms` : ms < 10_000 ? `${Math.round(ms)}ms` : describeDuration(ms);
}

function jsonOf({ check, result, state }: RunOutcome) {
  return {
    id: check.id,
    service: check.service,
    check: check.name,
    kind: check.kind,
    verdict: VERDICT[result.outcome],
    state: state.state,
    ...result,
    reason: reasonOf(result) ?? null,
  };
}
