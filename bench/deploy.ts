/**
 * `npm run bench -- deploy`: what a deploy costs, against a baseline measured in the same run
 * (deploy-case.ts says how each is measured):
 *
 *   deploy     `dayshift deploy web --image <tag>` until it returns (healthy, smoke passed, recorded)
 *              vs the compose file's image edited, `docker-compose up -d web`, the health endpoint
 *              polled until 200, the smoke URL once; goal: ratio of the medians ≤ 1.2
 *              (BENCH_DEPLOYS rounds, 6, rotating which goes first); beside it, for where the
 *              time goes, the same by hand also waiting for the container's healthcheck
 *   rollback   a deploy whose health endpoint fails, `rollback: auto`: from the failed verify's end to
 *              healthy again on the old digest; goal ≤ the healthcheck's start period + 5 s
 *              (BENCH_ROLLBACKS trials, 4; BENCH_START_PERIOD_S, 5)
 *
 * Needs the Docker Engine, docker-compose, docker-registry and a static busybox; builds dist/ first
 * when src/ is newer. Takes 2 to 4 minutes.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { RunRecord } from '../src/runs/records.js';
import { buildCliIfStale } from '../test/helpers/built-cli.js';
import type { DeployResult } from './deploy-case.js';
import { handleInterrupts, median, ms } from './operate-timing.js';
import { m, pass, printTable, type Row, s } from './table.js';

const DEPLOY_GOAL = 1.2;
const ROLLBACK_MARGIN_MS = 5_000;

export async function main(): Promise<void> {
  buildCliIfStale();
  handleInterrupts();
  const loadBefore = loadavg()[0] ?? 0;
  process.stderr.write(
    `deploy bench: load average ${loadBefore.toFixed(2)} on ${availableParallelism()} cores\n`,
  );
  const r = await (await import('./deploy-case.js')).deployCase();
  const loadAfter = loadavg()[0] ?? 0;
  const rows: Row[] = [];
  const json: Record<string, unknown> = {
    bench: 'deploy',
    loadAverage: { before: round2(loadBefore), after: round2(loadAfter) },
    deploy: deployFigures(r, rows),
    rollback: rollbackFigures(r, rows),
  };
  printTable(rows);
  const phases = breakdown(r);
  printBreakdown(r, phases);
  process.stdout.write(
    `load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after, on ${availableParallelism()} cores\n\n`,
  );
  json.deployPhasesMedianMs = phases;
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function deployFigures(r: DeployResult, rows: Row[]) {
  const dayshift = median(r.dayshift.map((x) => x.ms));
  const compose = median(r.compose.map((x) => x.ms));
  const healthy = median(r.composeHealthy.map((x) => x.ms));
  const ratio = dayshift / compose;
  rows.push(
    [
      `deploy → healthy, smoke passed (${r.rounds} each)`,
      s(dayshift),
      `${s(compose)} docker-compose up + poll`,
      `ratio ${ratio.toFixed(2)}`,
      `≤ ${DEPLOY_GOAL}: ${pass(ratio <= DEPLOY_GOAL)}`,
    ],
    [
      "  baseline also waiting for the image's healthcheck",
      s(dayshift),
      `${s(healthy)} + docker ps (healthy)`,
      `ratio ${(dayshift / healthy).toFixed(2)}`,
      '',
    ],
  );
  return {
    rounds: r.rounds,
    dayshiftMedianMs: ms(dayshift),
    composeMedianMs: ms(compose),
    ratio: Math.round(ratio * 1000) / 1000,
    goal: DEPLOY_GOAL,
    pass: ratio <= DEPLOY_GOAL,
    dayshiftMs: r.dayshift.map((x) => ms(x.ms)),
    composeMs: r.compose.map((x) => ms(x.ms)),
    composeUpMs: r.compose.map((x) => ms(x.upMs)),
    composeHealthyMedianMs: ms(healthy),
    ratioToHealthcheckWait: Math.round((dayshift / healthy) * 1000) / 1000,
    composeHealthyMs: r.composeHealthy.map((x) => ms(x.ms)),
  };
}

function rollbackFigures(r: DeployResult, rows: Row[]) {
  const goal = r.startPeriodS * 1000 + ROLLBACK_MARGIN_MS;
  const recovery = r.trials.map((t) => t.recoveryMs);
  const mid = median(recovery);
  const max = Math.max(...recovery);
  const recorded = r.trials.map((t) => t.recoveredInMs).filter((x): x is number => x !== undefined);
  const failed = median(r.trials.map((t) => t.failedVerifyMs));
  rows.push(
    [
      `failed verify → healthy on the old digest (${r.trials.length} trials)`,
      `${s(mid)}, max ${s(max)}`,
      `start_period ${r.startPeriodS} s`,
      '',
      `≤ ${s(goal)}: ${pass(max <= goal)}`,
    ],
    [
      '  recoveredInMs, as settle-rollback records it',
      recorded.length > 0 ? s(median(recorded)) : 'not recorded',
      '',
      '',
      '',
    ],
    ['  the failed verify itself (v3 unhealthy)', s(failed), '', '', ''],
  );
  return {
    trials: r.trials.length,
    startPeriodS: r.startPeriodS,
    medianMs: ms(mid),
    maxMs: ms(max),
    goalMs: goal,
    pass: max <= goal,
    recoveryMs: recovery.map(ms),
    recoveredInMs: recorded,
    failedVerifyMedianMs: ms(failed),
    phasesMedianMs: stepMedians(
      r.trials.map((t) => t.run),
      (name) => name.startsWith('on_failure.'),
    ),
  };
}

/** The median duration of each step of the runs, in the runs' order of steps. */
function stepMedians(runs: readonly RunRecord[], keep: (name: string) => boolean = () => true) {
  const names = [...new Set(runs.flatMap((r) => r.steps.map((step) => step.name)))].filter(keep);
  return Object.fromEntries(
    names.map((name) => [
      name,
      ms(median(runs.flatMap((r) => r.steps.filter((step) => step.name === name).map((x) => x.durationMs)))),
    ]),
  );
}

/**
 * Where a Dayshift deploy's time goes: each step's median, what the command spent outside its run
 * (node's start, the stack file, the store, the lock), within verify the wait until healthy and the
 * smoke suite; beside them a command that only starts and reads, and the baseline's `up -d` alone.
 */
function breakdown(r: DeployResult): Record<string, number> {
  const runs = r.dayshift.map((x) => x.run);
  const outside = r.dayshift.map((x) => x.ms - ((x.run.finishedAt ?? x.run.startedAt) - x.run.startedAt));
  const verify = runs.map((run) => {
    const step = run.steps.find((x) => x.name === 'verify');
    // A step's record keeps its outcome: the figures the step returned are its `result`.
    const figures = (step?.result as { result?: { healthyMs?: number; smokeMs?: number } } | null)?.result;
    return { ms: step?.durationMs ?? Number.NaN, healthy: figures?.healthyMs, smoke: figures?.smokeMs };
  });
  const known = (values: Array<number | undefined>) => values.filter((x): x is number => x !== undefined);
  const healthy = known(verify.map((v) => v.healthy));
  const smoke = known(verify.map((v) => v.smoke));
  // Against the Engine's clock: the container's start, its healthcheck's first pass, verify seeing it.
  const timeline = r.dayshift.flatMap((x, i) => {
    const apply = x.run.steps.find((step) => step.name === 'apply');
    const seen = verify[i]?.healthy;
    const { startedAt, firstHealthyAt } = x.container;
    if (!apply || seen === undefined || firstHealthyAt === undefined) return [];
    const verifyStarted = apply.startedAt + apply.durationMs;
    return [
      {
        afterStart: verifyStarted - startedAt,
        probe: firstHealthyAt - startedAt,
        lag: verifyStarted + seen - firstHealthyAt,
      },
    ];
  });
  const timelineMedians: Record<string, number> =
    timeline.length > 0
      ? {
          'container started → apply returned': ms(median(timeline.map((x) => x.afterStart))),
          "container started → its healthcheck's first pass": ms(median(timeline.map((x) => x.probe))),
          'first pass → verify saw it healthy': ms(median(timeline.map((x) => x.lag))),
        }
      : {};
  return {
    outsideTheRun: ms(median(outside)),
    ...stepMedians(runs),
    ...(healthy.length > 0 ? { 'verify: until healthy': ms(median(healthy)) } : {}),
    ...(smoke.length > 0 ? { 'verify: the smoke suite': ms(median(smoke)) } : {}),
    ...timelineMedians,
    'dayshift releases web (node, the stack file, the store)': ms(median(r.cliStart)),
    'compose: docker-compose up -d alone': ms(median(r.compose.map((x) => x.upMs))),
  };
}

function printBreakdown(r: DeployResult, phases: Record<string, number>): void {
  const lines = [
    '',
    `where a dayshift deploy spends its time (medians of ${r.rounds}), against the baseline's:`,
    ...Object.entries(phases).map(([name, value]) => `  ${m(value).padStart(8)}  ${name}`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
