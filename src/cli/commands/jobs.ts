import type { Command } from 'commander';
import { DayshiftError } from '../../errors.js';
import { JobQueue } from '../../jobs/queue.js';
import type { ReplayReport } from '../../jobs/replay.js';
import { JOB_STATUSES, type Job, parseJobStatuses } from '../../jobs/types.js';
import { BUILTIN_JOB_KINDS } from '../../runtime/job-kinds.js';
import type { Store } from '../../store/index.js';
import { colorsOn, tone } from '../../util/terminal.js';
import { cliAudited } from '../audited.js';
import { globalOptions, openCliStore } from '../context.js';
import { formatTime, printJson, printTable } from '../table.js';

/** `dayshift jobs list|show|retry|replay|cancel|selftest`: the durable queue, from any machine that reaches the store. */
export function defineJobs(jobs: Command): void {
  jobs
    .command('list')
    .description('list jobs, newest first')
    .option('--status <statuses>', `comma-separated: ${JOB_STATUSES.join(', ')}`)
    .option('--kind <kind>', 'only this kind')
    .option('--limit <n>', 'how many', (v) => positiveInt(v, '--limit'), 50)
    .action(async (options: { status?: string; kind?: string; limit: number }, cmd: Command) => {
      await withQueue(cmd, async (queue) => {
        const list = await queue.list({
          status: options.status ? parseJobStatuses(options.status) : undefined,
          kind: options.kind,
          limit: options.limit,
        });
        if (globalOptions(cmd).json) return printJson(list);
        const colour = colorsOn(process.stdout);
        printTable(
          ['ID', 'KIND', 'STATUS', 'ATTEMPTS', 'RUN AT', 'FINISHED', 'LAST ERROR'],
          list.map((j) => [
            String(j.id),
            j.kind,
            tone(j.status, colour),
            `${j.attempts}/${j.maxAttempts}`,
            formatTime(j.runAt),
            formatTime(j.finishedAt),
            (j.lastError ?? '').slice(0, 60),
          ]),
        );
      });
    });

  jobs
    .command('show <id>')
    .description('one job and its events')
    .action(async (id: string, _options: unknown, cmd: Command) => {
      await withQueue(cmd, async (queue) => {
        const job = await queue.get(positiveInt(id, 'id'));
        if (!job)
          throw new DayshiftError('JOB_NOT_FOUND', `no job ${id}`, {
            hint: 'list jobs with `dayshift jobs list`',
          });
        const events = await queue.events(job.id);
        if (globalOptions(cmd).json) return printJson({ job, events });
        printJob(job);
        process.stdout.write('\nevents:\n');
        printTable(
          ['SEQ', 'AT', 'TYPE', 'DATA'],
          events.map((e) => [
            String(e.seq),
            formatTime(e.at),
            e.type,
            e.data === null ? '' : JSON.stringify(e.data),
          ]),
        );
      });
    });

  jobs
    .command('retry <id>')
    .description('put a failed or cancelled job back in the queue')
    .action(async (id: string, _options: unknown, cmd: Command) => {
      await withQueue(cmd, async (queue, store) => {
        const job = await cliAudited(store, { action: 'job.retry', target: id }, () =>
          queue.retry(positiveInt(id, 'id')),
        );
        if (globalOptions(cmd).json) return printJson(job);
        process.stdout.write(`job ${job.id} is queued again\n`);
      });
    });

  jobs
    .command('replay')
    .description('put every failed job back in the queue (one per unique key)')
    .requiredOption('--failed', 'replay failed jobs (required, so nothing is replayed by accident)')
    .option('--kind <kind>', 'only this kind')
    .action(async (options: { kind?: string }, cmd: Command) => {
      await withQueue(cmd, async (queue, store) => {
        const report = await cliAudited(store, { action: 'job.replay', target: options.kind }, () =>
          queue.replayFailed({ kind: options.kind }),
        );
        if (globalOptions(cmd).json) return printJson(report);
        printReplay(report);
      });
    });

  jobs
    .command('cancel <id>')
    .description('cancel a queued or running job')
    .action(async (id: string, _options: unknown, cmd: Command) => {
      await withQueue(cmd, async (queue, store) => {
        const job = await cliAudited(store, { action: 'job.cancel', target: id }, () =>
          queue.cancel(positiveInt(id, 'id')),
        );
        if (globalOptions(cmd).json) return printJson(job);
        process.stdout.write(`job ${job.id} cancelled\n`);
      });
    });

  jobs
    .command('selftest')
    .description('queue a job that reports progress and finishes, to prove the workers run')
    .option('--steps <n>', 'progress steps', (v) => positiveInt(v, '--steps'), 5)
    .option('--step-ms <ms>', 'time per step', (v) => positiveInt(v, '--step-ms'), 500)
    .option(
      '--fail-attempts <n>',
      'fail this many first attempts on purpose',
      (v) => Number.parseInt(v, 10),
      0,
    )
    .action(async (options: { steps: number; stepMs: number; failAttempts: number }, cmd: Command) => {
      await withQueue(cmd, async (queue, store) => {
        const job = await cliAudited(
          store,
          { action: 'job.create', target: 'selftest', params: options },
          async () => {
            const job = await queue.enqueue('selftest', options);
            if (!job) throw new DayshiftError('INTERNAL', 'the selftest job was not queued');
            return job;
          },
          (job) => ({ params: { ...options, job: job.id } }),
        );
        if (globalOptions(cmd).json) return printJson(job);
        process.stdout.write(`queued selftest job ${job.id}; a running \`dayshift serve\` will run it\n`);
      });
    });
}

async function withQueue(
  cmd: Command,
  work: (queue: JobQueue, store: Store) => Promise<void>,
): Promise<void> {
  const store = await openCliStore(cmd);
  try {
    await work(new JobQueue(store, { kinds: BUILTIN_JOB_KINDS }), store);
  } finally {
    await store.close();
  }
}

function printJob(job: Job): void {
  const rows: Array<[string, string]> = [
    ['id', String(job.id)],
    ['kind', job.kind],
    ['status', tone(job.status, colorsOn(process.stdout))],
    ['attempts', `${job.attempts}/${job.maxAttempts}`],
    ['priority', String(job.priority)],
    ['run at', formatTime(job.runAt)],
    ['created', formatTime(job.createdAt)],
    ['started', formatTime(job.startedAt)],
    ['finished', formatTime(job.finishedAt)],
    ['unique key', job.uniqueKey ?? '-'],
    ['concurrency key', job.concurrencyKey ?? '-'],
    [
      'lease',
      job.leaseOwner ? `${job.leaseOwner} until ${formatTime(job.leaseExpiresAt, { relative: false })}` : '-',
    ],
    ['last error', job.lastError ?? '-'],
    ['payload', JSON.stringify(job.payload)],
    ['progress', job.progress === null ? '-' : JSON.stringify(job.progress)],
    ['result', job.result === null ? '-' : JSON.stringify(job.result)],
  ];
  for (const [k, v] of rows) process.stdout.write(`${`${k}:`.padEnd(17)}${v}\n`);
}

/** What was queued again, then a table of the failed jobs left failed and why; skips are not errors. */
function printReplay(report: ReplayReport): void {
  const shown = 50;
  const ids = report.replayedIds.slice(0, shown).map((id) => `#${id}`);
  if (report.replayedIds.length > shown) ids.push(`and ${report.replayedIds.length - shown} more`);
  const noun = (n: number) => `${n} failed job${n === 1 ? '' : 's'}`;
  process.stdout.write(
    `${noun(report.replayed)} queued again${report.replayed ? `: ${ids.join(', ')}` : ''}\n`,
  );
  if (report.skipped.length === 0) return;
  process.stdout.write(`${noun(report.skipped.length)} skipped (they stay failed):\n`);
  printTable(
    ['ID', 'KIND', 'UNIQUE KEY', 'REASON'],
    report.skipped.map((s) => [String(s.id), s.kind, s.uniqueKey, s.reason]),
  );
}

function positiveInt(raw: string, what: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new DayshiftError('BAD_REQUEST', `${what} must be a whole number, got "${raw}"`);
  return n;
}
