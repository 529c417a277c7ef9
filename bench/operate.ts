/**
 * `npm run bench -- operate`: what acting on services costs, each against a baseline measured in the
 * same run, alternating which goes first:
 *
 *   svc restart      `dayshift svc restart web` until healthy  vs  `docker-compose restart web` until
 *                    healthy; goal: ratio of the medians ≤ 1.15, the logs kept before acting included
 *                    (operate-restart.ts; BENCH_RESTARTS rounds, 8)
 *   runbook          a 10-step runbook of `shell: "true"` steps  vs  the same 10 shells from a script;
 *                    goal: (dayshift − script) / 10 < 20 ms per step; also per added step, and the
 *                    engine in process (operate-runbook.ts; BENCH_RUNBOOK_RUNS runs, 15)
 *   alert → runbook  an alert's `fired_at` to its run's first step, under `dayshift serve`; goal < 1 s;
 *                    beside the alert engine's pass (operate-alert.ts; BENCH_ALERT_TRIALS trials, 10)
 *
 * BENCH_PARTS (restart,runbook,alert) runs some of them. Needs the Docker Engine, docker-compose and a
 * static busybox (the restart part), and builds dist/ first when src/ is newer. Takes 3 to 5 minutes.
 */
import { availableParallelism, loadavg } from 'node:os';
import { buildCliIfStale } from '../test/helpers/built-cli.js';
import type { AlertResult } from './operate-alert.js';
import type { RestartResult } from './operate-restart.js';
import type { RunbookResult } from './operate-runbook.js';
import { handleInterrupts, median, ms } from './operate-timing.js';
import { m, pass, printTable, type Row, s } from './table.js';

const PARTS = (process.env.BENCH_PARTS ?? 'restart,runbook,alert').split(',').map((p) => p.trim());
const RESTART_GOAL = 1.15;
const STEP_GOAL_MS = 20;
const ALERT_GOAL_MS = 1_000;

export async function main(): Promise<void> {
  buildCliIfStale();
  handleInterrupts();
  const load = loadavg()[0] ?? 0;
  process.stderr.write(
    `operate bench: ${PARTS.join(', ')}; load average ${load.toFixed(2)} on ${availableParallelism()} cores\n`,
  );
  const restart = PARTS.includes('restart')
    ? await (await import('./operate-restart.js')).restartCase()
    : undefined;
  const runbook = PARTS.includes('runbook')
    ? await (await import('./operate-runbook.js')).runbookCase()
    : undefined;
  const alert = PARTS.includes('alert') ? await (await import('./operate-alert.js')).alertCase() : undefined;
  const rows: Row[] = [];
  const json: Record<string, unknown> = { bench: 'operate', loadAverage: Math.round(load * 100) / 100 };
  if (restart) json.restart = restartFigures(restart, rows);
  if (runbook) json.runbook = runbookFigures(runbook, rows);
  if (alert) json.alert = alertFigures(alert, rows);
  printTable(rows);
  if (restart) printTrace(restart);
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

function restartFigures(r: RestartResult, rows: Row[]) {
  const dayshift = median(r.dayshift.map((x) => x.healthyMs));
  const compose = median(r.compose.map((x) => x.healthyMs));
  const dayshiftCommand = median(r.dayshift.map((x) => x.commandMs));
  const composeCommand = median(r.compose.map((x) => x.commandMs));
  const ratio = dayshift / compose;
  rows.push(
    [
      `svc restart → healthy (${r.rounds} each)`,
      s(dayshift),
      `${s(compose)} docker-compose`,
      `ratio ${ratio.toFixed(2)}`,
      `≤ ${RESTART_GOAL}: ${pass(ratio <= RESTART_GOAL)}`,
    ],
    [
      '  the command alone',
      s(dayshiftCommand),
      s(composeCommand),
      `ratio ${(dayshiftCommand / composeCommand).toFixed(2)}`,
      '',
    ],
  );
  return {
    rounds: r.rounds,
    dayshiftMedianMs: ms(dayshift),
    composeMedianMs: ms(compose),
    ratio: Math.round(ratio * 1000) / 1000,
    goal: RESTART_GOAL,
    pass: ratio <= RESTART_GOAL,
    commandMedianMs: { dayshift: ms(dayshiftCommand), compose: ms(composeCommand) },
    dayshiftMs: r.dayshift.map((x) => ms(x.healthyMs)),
    composeMs: r.compose.map((x) => ms(x.healthyMs)),
    logsKept: r.logsKept,
    trace: {
      totalMs: ms(r.trace.totalMs),
      beforeFirstMs: ms(r.trace.beforeFirstMs),
      programs: r.trace.programs,
    },
  };
}

function runbookFigures(r: RunbookResult, rows: Row[]) {
  const d10 = median(r.cli.dayshift);
  const s10 = median(r.cli.script);
  const d1 = median(r.cli.dayshiftOne);
  const s1 = median(r.cli.scriptOne);
  const e10 = median(r.inProcess.engine);
  const b10 = median(r.inProcess.spawns);
  const node = median(r.cli.node);
  const perStep = (d10 - s10) / r.steps;
  const dLong = median(r.cli.dayshiftLong);
  const sLong = median(r.cli.scriptLong);
  const perAddedStep = (dLong - d1 - (sLong - s1)) / (r.longSteps - 1);
  const inProcessPerStep = (e10 - b10) / r.steps;
  rows.push(
    [
      `runbook, ${r.steps} shell steps, CLI (${r.runs} each)`,
      m(d10),
      `${m(s10)} sh script`,
      `${perStep.toFixed(1)} ms/step`,
      `< ${STEP_GOAL_MS} ms: ${pass(perStep < STEP_GOAL_MS)}`,
    ],
    [
      `  CLI, per added step (${r.longSteps} vs 1)`,
      `${m(dLong)} − ${m(d1)}`,
      `${m(sLong)} − ${m(s1)}`,
      `${perAddedStep.toFixed(1)} ms/step`,
      '',
    ],
    [
      '  CLI start: 1-step runbook vs node -e 0',
      m(d1),
      `${m(node)} node -e 0`,
      `${m(d1 - s1 - node)} more than node`,
      '',
    ],
    ['  engine in process', m(e10), `${m(b10)} node spawns`, `${inProcessPerStep.toFixed(1)} ms/step`, ''],
  );
  return {
    runs: r.runs,
    steps: r.steps,
    cli: {
      dayshiftMs: ms(d10),
      scriptMs: ms(s10),
      dayshiftOneStepMs: ms(d1),
      scriptOneStepMs: ms(s1),
      longSteps: r.longSteps,
      dayshiftLongMs: ms(dLong),
      scriptLongMs: ms(sLong),
      nodeMs: ms(node),
    },
    perStepMs: ms(perStep),
    goalMs: STEP_GOAL_MS,
    pass: perStep < STEP_GOAL_MS,
    perAddedStepMs: ms(perAddedStep),
    inProcess: { engineMs: ms(e10), spawnsMs: ms(b10), perStepMs: ms(inProcessPerStep) },
  };
}

function alertFigures(r: AlertResult, rows: Row[]) {
  const mid = median(r.toFirstStep);
  const max = Math.max(...r.toFirstStep);
  const fired = median(r.toFired);
  rows.push(
    [
      `alert fired → first step (${r.trials} trials)`,
      `${m(mid)}, max ${m(max)}`,
      `alert pass every ${m(r.alertTickMs)}`,
      `${(mid / r.alertTickMs).toFixed(2)} × the pass`,
      `< ${ALERT_GOAL_MS} ms: ${pass(max < ALERT_GOAL_MS)}`,
    ],
    ['  port closed → alert fired', m(fired), 'check every 1s, retries 1', '', ''],
  );
  return {
    trials: r.trials,
    medianMs: mid,
    maxMs: max,
    goalMs: ALERT_GOAL_MS,
    pass: max < ALERT_GOAL_MS,
    alertTickMs: r.alertTickMs,
    toFirstStepMs: r.toFirstStep,
    portClosedToFiredMedianMs: fired,
  };
}

function printTrace(r: RestartResult): void {
  const { trace } = r;
  const lines = [
    '',
    `one traced dayshift svc restart, ${m(trace.totalMs)} to return:`,
    trace.programs.length === 0
      ? '  no docker or docker-compose program run: the driver asked the Engine API itself'
      : `  ${m(trace.beforeFirstMs).padStart(8)}  before the first program (node, the stack file, the store)`,
    ...trace.programs.map((p) => `  ${m(p.ms).padStart(8)}  ${p.command} (at ${m(p.atMs)})`),
    `logs kept before the last restart: ${r.logsKept.name}, ${r.logsKept.size} bytes`,
  ];
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
