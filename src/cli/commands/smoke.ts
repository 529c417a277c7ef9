import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { baseDirOf } from '../../monitor/configured-checks.js';
import { HeartbeatStore } from '../../monitor/heartbeats.js';
import { Runs } from '../../runs/runs.js';
import { runSmokeSuite, type SmokeReport } from '../../smoke/run-suite.js';
import { systemClock } from '../../util/clock.js';
import { colorsOn, tone } from '../../util/terminal.js';
import { globalOptions, openCliStack } from '../context.js';
import { printTable } from '../table.js';

/** `dayshift smoke <suite>`: runs a smoke suite now, prints each step, records the run, exits 1 on a failure. */
export function defineSmoke(smoke: Command): void {
  smoke
    .argument('<suite>', 'a suite under smoke: in the stack file')
    .action(async (suite: string, _options: unknown, cmd: Command) => {
      const { config, configPath, store } = await openCliStack(cmd);
      try {
        const env = {
          clock: systemClock,
          baseDir: baseDirOf(configPath),
          heartbeats: new HeartbeatStore(store.db, systemClock),
        };
        const report = await runSmokeSuite(config, suite, env, {
          runs: new Runs(store.db, systemClock),
          trigger: 'cli',
        });
        if (globalOptions(cmd).json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else printReport(report);
        if (!report.ok) process.exitCode = EXIT.failed;
      } finally {
        await store.close();
      }
    });
}

function printReport(report: SmokeReport): void {
  const colour = colorsOn(process.stdout);
  printTable(
    ['STEP', 'KIND', 'RESULT', 'LATENCY', 'WHY'],
    report.steps.map((s) => [
      s.name,
      s.kind,
      tone(s.outcome, colour),
      s.outcome === 'skipped' ? '-' : `${Math.round(s.latencyMs * 10) / 10}ms`,
      s.reason ?? '',
    ]),
  );
  const failed = report.steps.filter((s) => s.outcome === 'fail' || s.outcome === 'skipped').length;
  process.stdout.write(
    `\nsmoke ${report.suite}: ${report.ok ? 'passed' : `failed (${failed} of ${report.steps.length} steps)`}, recorded as run ${report.runId}\n`,
  );
}
