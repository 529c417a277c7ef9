/**
 * The second part of `npm run bench -- operate`: what a runbook step costs beyond the program it runs.
 *
 * A runbook of STEPS trivial `shell` steps (`true`, which the step runs as `/bin/sh -c true`, each in
 * its own process group through the process runner, its outcome and output recorded in the store),
 * against the same commands in a shell script: `/bin/sh -c 'sh -c true; sh -c true; ...'`, one shell
 * per command as the steps have. Three figures, all medians over RUNS runs of each, alternating:
 *
 * - CLI: `dayshift run ten` (the built CLI, a fresh embedded SQLite store in a temporary directory)
 *   against the script; (dayshift − script) / STEPS is the overhead per step the goal is on (< 20 ms),
 *   node's start, the stack file and opening the store included;
 * - CLI, per added step: the same for a one-step and a LONG-step runbook, so that
 *   ((dayshift long − dayshift one) − (script long − script one)) / (LONG − 1) leaves the start out
 *   (LONG steps, not STEPS, so that the steps weigh more than the noise of node's start on a busy
 *   machine); `node -e 0` is timed beside them, to show how much of the start is node's own;
 * - in process: the engine alone (`Runbooks.open` and `execute` on a SQLite store, from src/ through
 *   tsx) against STEPS spawns of `/bin/sh -c true` from node, one after the other.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI } from '../test/helpers/built-cli.js';
import { alternate, benchEnv, rotate, timed, undoOnInterrupt } from './operate-timing.js';

const RUNS = Number(process.env.BENCH_RUNBOOK_RUNS ?? 15);
export const STEPS = 10;
const LONG = 50;

export interface RunbookResult {
  runs: number;
  steps: number;
  longSteps: number;
  cli: {
    dayshift: number[];
    script: number[];
    dayshiftOne: number[];
    scriptOne: number[];
    dayshiftLong: number[];
    scriptLong: number[];
    /** `node -e 0`: what any node program's start costs on this machine now. */
    node: number[];
  };
  inProcess: { engine: number[]; spawns: number[] };
}

function stackFile(): string {
  const steps = (n: number) => Array.from({ length: n }, () => '      - shell: "true"').join('\n');
  const runbook = (name: string, n: number) => `  ${name}:\n    steps:\n${steps(n)}\n`;
  return `version: 1\nrunbooks:\n${runbook('ten', STEPS)}${runbook('one', 1)}${runbook('long', LONG)}`;
}

/** `n` shells each running `true`, from one shell: what the runbook's steps do, without Dayshift. */
function script(n: number): string[] {
  return ['-c', Array.from({ length: n }, () => 'sh -c true').join('; ')];
}

function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'true'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`sh -c true exited ${code}`))));
  });
}

export async function runbookCase(): Promise<RunbookResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-operate-'));
  const forget = undoOnInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const stack = path.join(dir, 'dayshift.yaml');
    writeFileSync(stack, stackFile());
    const env = benchEnv();
    const dayshift = (runbook: string) => () =>
      timed(process.execPath, [CLI, '--config', stack, 'run', runbook], { env });
    const shell = (n: number) => () => timed('/bin/sh', script(n), { env });
    // Untimed: the first run creates and migrates the store beside the stack file.
    await dayshift('one')();
    await shell(1)();
    const ten = await alternate(RUNS, dayshift('ten'), shell(STEPS));
    const [dayshiftOne = [], scriptOne = [], dayshiftLong = [], scriptLong = [], node = []] = await rotate(
      RUNS,
      [
        dayshift('one'),
        shell(1),
        dayshift('long'),
        shell(LONG),
        () => timed(process.execPath, ['-e', '0'], { env }),
      ],
    );
    return {
      runs: RUNS,
      steps: STEPS,
      longSteps: LONG,
      cli: { dayshift: ten.a, script: ten.b, dayshiftOne, scriptOne, dayshiftLong, scriptLong, node },
      inProcess: await inProcess(dir, stack),
    };
  } finally {
    forget();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The engine alone in this process, on its own SQLite store, against node spawning the same shells. */
async function inProcess(dir: string, configPath: string): Promise<RunbookResult['inProcess']> {
  const { loadConfigOrThrow } = await import('../src/config/load.js');
  const { openStore } = await import('../src/store/index.js');
  const { Runbooks } = await import('../src/runbooks/runbooks.js');
  const { systemClock } = await import('../src/util/clock.js');
  const store = await openStore({ sqlitePath: path.join(dir, 'engine.db') });
  try {
    await store.migrate();
    const { config } = loadConfigOrThrow(configPath);
    const runbooks = new Runbooks({ config, configPath, baseDir: dir, store, clock: systemClock });
    const engine = async () => {
      const started = performance.now();
      const { recorder, plan } = await runbooks.open('ten', {}, 'bench');
      const end = await runbooks.execute(recorder, plan);
      if (end.status !== 'succeeded') throw new Error(`the runbook ${end.status}: ${end.detail}`);
      return performance.now() - started;
    };
    const spawns = async () => {
      const started = performance.now();
      for (let i = 0; i < STEPS; i++) await spawnTrue();
      return performance.now() - started;
    };
    // Untimed: the step kinds, the process runner and the queries are loaded and warm.
    for (let i = 0; i < 3; i++) {
      await engine();
      await spawns();
    }
    const times = await alternate(RUNS, engine, spawns);
    return { engine: times.a, spawns: times.b };
  } finally {
    await store.close();
  }
}
