import type { Command } from 'commander';
import { cliUser } from '../../audit/index.js';
import { Deploys } from '../../deploys/deploys.js';
import { DayshiftError, EXIT } from '../../errors.js';
import { baseDirOf } from '../../monitor/configured-checks.js';
import { Runbooks } from '../../runbooks/runbooks.js';
import { Runs } from '../../runs/runs.js';
import { describeDuration } from '../../schema/duration.js';
import type { Store } from '../../store/index.js';
import { systemClock } from '../../util/clock.js';
import { colorsOn, tone } from '../../util/terminal.js';
import { cliAudited } from '../audited.js';
import { globalOptions, openCliStack, untilInterrupted } from '../context.js';
import { formatTime, printTable } from '../table.js';
import { follow, mustGet, printEvent, printRun } from './run-output.js';

/** `--param k=v`, repeated. */
function collectParam(text: string, into: Record<string, string>): Record<string, string> {
  const at = text.indexOf('=');
  if (at <= 0)
    throw new DayshiftError('PARAM_INVALID', `--param takes name=value, got ${text}`, {
      hint: 'for example --param replicas=3',
    });
  into[text.slice(0, at)] = text.slice(at + 1);
  return into;
}

async function withStore<T>(
  cmd: Command,
  work: (store: Store, runbooks: Runbooks) => Promise<T>,
): Promise<T> {
  const { config, configPath, store } = await openCliStack(cmd);
  try {
    const env = { config, configPath, baseDir: baseDirOf(configPath), store, clock: systemClock };
    const runbooks = new Runbooks({ ...env, deploys: new Deploys(env).port(cliUser()) });
    return await work(store, runbooks);
  } finally {
    await store.close();
  }
}

/**
 * `dayshift run <runbook>`: carries out a runbook in this process, each step printed as it ends; an
 * approval waits here until `dayshift approve <run>` (from any terminal) or its timeout. Exits 0 when
 * the run succeeded, 1 when it failed or was cancelled. Also `run show <id>` and `run cancel <id>`.
 */
export function defineRun(run: Command): void {
  run
    .argument('[runbook]', 'a runbook under runbooks: in the stack file')
    .option('--param <name=value>', 'a parameter of the runbook (repeat for more)', collectParam, {})
    .action(async (name: string | undefined, options: { param: Record<string, string> }, cmd: Command) => {
      if (!name)
        throw new DayshiftError('BAD_REQUEST', 'name the runbook to run', {
          hint: 'dayshift run <runbook> [--param k=v], dayshift run show <id>, dayshift run cancel <id>',
        });
      const json = globalOptions(cmd).json === true;
      await withStore(cmd, async (store, runbooks) => {
        const { recorder, plan } = await cliAudited(
          store,
          { action: 'runbook.run', target: name, params: options.param },
          () => runbooks.open(name, options.param, `cli:${cliUser()}`),
          (opened) => ({ runId: opened.recorder.runId }),
        );
        if (!json) process.stderr.write(`run ${recorder.runId} of ${name} started\n`);
        const colours = colorsOn(process.stdout);
        const end = await untilInterrupted((signal) =>
          runbooks.execute(recorder, plan, {
            signal,
            onEvent: json ? undefined : (event) => printEvent(event, recorder.runId, colours),
          }),
        );
        if (json) {
          const record = await runbooks.runs.get(recorder.runId);
          process.stdout.write(
            `${JSON.stringify({ ...record, evidence: await runbooks.runs.evidence(recorder.runId) }, null, 2)}\n`,
          );
        }
        if (end.status !== 'succeeded') process.exitCode = EXIT.failed;
      });
    });

  run
    .command('show')
    .description('show a run: its steps, their results and its evidence; --follow until it ends')
    .argument('<id>', 'the run id')
    .option('--follow', 'print each step as it ends, until the run ends')
    .action(async (id: string, options: { follow?: boolean }, cmd: Command) => {
      const runId = runIdOf(id);
      await withStore(cmd, async (store) => {
        const runs = new Runs(store.db, systemClock);
        const json = globalOptions(cmd).json === true;
        let record = await mustGet(runs, runId);
        if (options.follow && !json) {
          record = await follow(runs, record);
        } else if (json) {
          process.stdout.write(
            `${JSON.stringify({ ...record, evidence: await runs.evidence(runId) }, null, 2)}\n`,
          );
          return;
        } else printRun(record);
        const evidence = await runs.evidence(runId);
        if (evidence.length > 0) {
          process.stdout.write('\nevidence:\n');
          printTable(
            ['ID', 'STEP', 'KIND', 'NAME', 'SIZE', 'SHA-256'],
            evidence.map((e) => [
              String(e.id),
              e.step === null ? '-' : String(e.step),
              e.kind,
              e.name,
              `${e.size}${e.truncated ? ' (cut)' : ''}`,
              e.sha256.slice(0, 16),
            ]),
          );
        }
        if (record.status === 'failed' || record.status === 'cancelled') process.exitCode = EXIT.failed;
      });
    });

  run
    .command('cancel')
    .description('cancel a running or waiting run: the step running now is stopped, its processes killed')
    .argument('<id>', 'the run id')
    .option('--reason <text>', 'why, recorded with the run')
    .action(async (id: string, options: { reason?: string }, cmd: Command) => {
      const runId = runIdOf(id);
      await withStore(cmd, async (store, runbooks) => {
        await cliAudited(
          store,
          {
            action: 'run.cancel',
            target: String(runId),
            params: options.reason ? { reason: options.reason } : {},
            runId,
          },
          () => runbooks.cancel(runId, cliUser(), options.reason),
        );
        process.stdout.write(`run ${runId} cancelled\n`);
      });
    });
}

/** `dayshift approve <run>`: approves the step a run waits on; the process carrying the run goes on. */
export function defineApprove(approve: Command): void {
  approve
    .argument('<run>', 'the id of a waiting run')
    .action(async (id: string, _options: unknown, cmd: Command) => {
      const runId = runIdOf(id);
      await withStore(cmd, async (store, runbooks) => {
        const by = cliUser();
        const waiting = await cliAudited(store, { action: 'run.approve', target: String(runId), runId }, () =>
          runbooks.approve(runId, by),
        );
        process.stdout.write(`run ${runId}: ${waiting.step} approved by ${by}\n`);
      });
    });
}

/** `dayshift runs`: runs of every kind, newest first; `--runbook` and `--kind` narrow it. */
export function defineRuns(runs: Command): void {
  runs
    .option('--runbook <name>', "only this runbook's runs")
    .option('--kind <kind>', 'only runs of this kind: runbook, service, backup, drill, restore, smoke ...')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (options: { runbook?: string; kind?: string; limit: string }, cmd: Command) => {
      await withStore(cmd, async (store) => {
        const limit = Number(options.limit);
        if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
          throw new DayshiftError(
            'BAD_REQUEST',
            `--limit must be a whole number from 1 to 1000, got ${options.limit}`,
          );
        const kinds = options.runbook ? ['runbook'] : options.kind ? [options.kind] : undefined;
        const list = await new Runs(store.db, systemClock).list({ kinds, name: options.runbook, limit });
        if (globalOptions(cmd).json) {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        if (list.length === 0) {
          process.stdout.write('no runs yet\n');
          return;
        }
        const colours = colorsOn(process.stdout);
        printTable(
          ['ID', 'KIND', 'NAME', 'STATUS', 'TRIGGER', 'STARTED', 'TOOK'],
          list.map((r) => [
            String(r.id),
            r.kind,
            r.name,
            tone(r.status, colours),
            r.trigger,
            formatTime(r.startedAt),
            r.finishedAt === null ? '-' : describeDuration(r.finishedAt - r.startedAt),
          ]),
        );
      });
    });
}

function runIdOf(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1)
    throw new DayshiftError('BAD_REQUEST', `a run id is a whole number, got ${text}`, {
      hint: 'list runs with `dayshift runs`',
    });
  return id;
}
