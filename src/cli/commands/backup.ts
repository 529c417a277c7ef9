import type { Command } from 'commander';
import { type Backups, totalBytes } from '../../backup/backups.js';
import { settleOrphanedRuns } from '../../backup/crash-recovery.js';
import { type DrillReport, runDrill } from '../../backup/drill.js';
import { openBackups } from '../../backup/open.js';
import { formatBytes, type TransferProgress } from '../../backup/progress.js';
import type { Snapshot } from '../../backup/repositories/types.js';
import { restoreBackup } from '../../backup/restore.js';
import { EXIT } from '../../errors.js';
import { describeDuration } from '../../schema/duration.js';
import type { Store } from '../../store/index.js';
import { colorsOn, paint, tone } from '../../util/terminal.js';
import { cliAudited } from '../audited.js';
import { globalOptions, openCliStack, untilInterrupted } from '../context.js';
import { formatTime, printTable } from '../table.js';

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Opens the stack and its backups for one verb, and closes the store after. */
async function withBackups<T>(
  cmd: Command,
  work: (backups: Backups, signal: AbortSignal, store: Store) => Promise<T>,
): Promise<T> {
  const stack = await openCliStack(cmd);
  try {
    const backups = openBackups(stack.config, stack.configPath, stack.store.db, {
      onProgress: process.stderr.isTTY && !globalOptions(cmd).json ? drawProgress : undefined,
    });
    return await untilInterrupted((signal) => work(backups, signal, stack.store));
  } finally {
    await stack.store.close();
  }
}

/**
 * Before a verb that opens a run of `name`: closes the runs of that backup an earlier `dayshift`
 * process on this host left running when it was killed, and says so on stderr.
 */
async function settleKilled(backups: Backups, name: string): Promise<void> {
  for (const s of await settleOrphanedRuns(backups, { name }))
    process.stderr.write(
      `run ${s.runId} (${s.kind} ${s.name}) was left running by a process that stopped; recorded as ${
        s.outcome === 'succeeded' ? 'succeeded with the snapshot it had committed' : 'failed, interrupted'
      }\n`,
    );
}

/** One line redrawn in place on a terminal: bytes, share of the total, rate. */
function drawProgress(p: TransferProgress): void {
  const share = p.total
    ? ` of ${formatBytes(p.total)} (${Math.min(100, Math.round((100 * p.bytes) / p.total))}%)`
    : '';
  process.stderr.write(
    `\r${p.what}: ${formatBytes(p.bytes)}${share}, ${formatBytes(p.bytesPerSecond)}/s\x1b[K`,
  );
  if (p.done) process.stderr.write('\n');
}

/** `dayshift backup run|list|show|verify|restore|drill|prune <name>`. */
export function defineBackup(backup: Command): void {
  backup
    .command('run')
    .description('take a snapshot now: hooks, dump streamed into the repository, retention')
    .argument('<name>', 'a backup under backups: in the stack file')
    .action(async (name: string, _o: unknown, cmd: Command) =>
      withBackups(cmd, async (backups, signal, store) => {
        await settleKilled(backups, name);
        const result = await cliAudited(
          store,
          { action: 'backup.run', target: name },
          () => backups.run(name, { trigger: 'cli', signal }),
          (r) => ({ runId: r.runId }),
        );
        if (globalOptions(cmd).json) return print(result);
        const s = result.snapshot;
        process.stdout.write(
          `backup ${name}: snapshot ${s.id}, ${formatBytes(totalBytes(s))} in ${describeDuration(s.durationMs)} to ${backups.repositoryOf(name).description}, recorded as run ${result.runId}\n`,
        );
        if (result.removed.length)
          process.stdout.write(`retention removed ${result.removed.length}: ${result.removed.join(', ')}\n`);
      }),
    );

  backup
    .command('list')
    .description('snapshots, newest first; every backup when no name is given')
    .argument('[name]', 'a backup under backups:')
    .action(async (name: string | undefined, _o: unknown, cmd: Command) =>
      withBackups(cmd, async (backups) => {
        const names = name ? [name] : backups.names();
        const all: Array<{ backup: string; snapshots: Snapshot[] }> = [];
        for (const n of names) all.push({ backup: n, snapshots: await backups.list(n) });
        if (globalOptions(cmd).json) return print(name ? all[0]?.snapshots : all);
        const rows = all.flatMap(({ backup: b, snapshots }) =>
          snapshots.map((s) => [
            b,
            s.id,
            formatTime(Date.parse(s.createdAt)),
            formatBytes(totalBytes(s)),
            `${describeDuration(s.durationMs)}`,
            rowsOrFiles(s),
          ]),
        );
        if (rows.length === 0)
          process.stdout.write(names.length ? 'no snapshots yet\n' : 'no backups in the stack file\n');
        else printTable(['BACKUP', 'SNAPSHOT', 'TAKEN', 'SIZE', 'TOOK', 'HOLDS'], rows);
      }),
    );

  backup
    .command('show')
    .description('one snapshot and its manifest')
    .argument('<name>', 'a backup under backups:')
    .argument('[snapshot]', 'a snapshot id or a unique prefix of one', 'latest')
    .action(async (name: string, id: string, _o: unknown, cmd: Command) =>
      withBackups(cmd, async (backups) => {
        const s = await backups.snapshot(name, id);
        if (globalOptions(cmd).json) return print(s);
        process.stdout.write(
          `snapshot ${s.id} of ${name}\ntaken     ${s.createdAt}\ntook      ${describeDuration(s.durationMs)}\nholds     ${rowsOrFiles(s)}\n`,
        );
        for (const e of s.entries)
          process.stdout.write(`stream    ${e.name}: ${formatBytes(e.size)}, sha256 ${e.sha256}\n`);
        const { rows, files, ...rest } = s.source;
        process.stdout.write(`source    ${JSON.stringify(rest)}\n`);
        if (rows)
          printTable(
            ['TABLE', 'ROWS'],
            Object.entries(rows as Record<string, number>).map(([t, n]) => [t, String(n)]),
          );
      }),
    );

  backup
    .command('verify')
    .description(
      'check snapshots are whole: re-hash local snapshots, restic check on restic; exit 1 on damage',
    )
    .argument('<name>', 'a backup under backups:')
    .argument('[snapshot]', 'one snapshot; all of them when omitted')
    .option('--read-data <percent>', 'restic: the share of data to re-read')
    .action(async (name: string, id: string | undefined, o: { readData?: string }, cmd: Command) =>
      withBackups(cmd, async (backups, _signal, store) => {
        await settleKilled(backups, name);
        const result = await cliAudited(
          store,
          { action: 'backup.verify', target: name, params: { snapshot: id, readData: o.readData } },
          () =>
            backups.verify(name, {
              snapshot: id,
              trigger: 'cli',
              readDataPercent: o.readData ? Number(o.readData.replace('%', '')) : undefined,
            }),
          (r) => ({ runId: r.runId, result: r.ok ? 'ok' : 'failed: damaged snapshot(s)' }),
        );
        if (globalOptions(cmd).json) print(result);
        else {
          const colour = colorsOn(process.stdout);
          for (const r of result.results) {
            process.stdout.write(
              `${r.ok ? `${tone('ok', colour)}     ` : paint('DAMAGED', 'red', colour)} ${r.snapshot} (${r.scope})\n`,
            );
            for (const p of r.problems)
              process.stdout.write(`  ${p.entry}${p.file ? ` in ${p.file}` : ''}: ${p.problem}\n`);
          }
          if (result.results.length === 0) process.stdout.write(`backup ${name} has no snapshot to verify\n`);
          process.stdout.write(`recorded as run ${result.runId}\n`);
        }
        if (!result.ok) process.exitCode = EXIT.failed;
      }),
    );

  backup
    .command('restore')
    .description(
      'restore a snapshot into --to (a new database or a directory), or over the original with --force',
    )
    .argument('<name>', 'a backup under backups:')
    .argument('[snapshot]', 'a snapshot id, a unique prefix, or latest', 'latest')
    .option('--to <target>', 'a database name or URL, or a path, to restore into instead of the original')
    .option(
      '--force',
      'restore over a target that holds data; over the original, a safety snapshot is taken first',
    )
    .action(async (name: string, id: string, o: { to?: string; force?: boolean }, cmd: Command) =>
      withBackups(cmd, async (backups, signal, store) => {
        await settleKilled(backups, name);
        const result = await cliAudited(
          store,
          { action: 'backup.restore', target: name, params: { snapshot: id, to: o.to, force: o.force } },
          () =>
            restoreBackup(backups, name, { snapshot: id, to: o.to, force: o.force, trigger: 'cli', signal }),
          (r) => ({ runId: r.runId }),
        );
        if (globalOptions(cmd).json) return print(result);
        if (result.safetySnapshot)
          process.stdout.write(`safety snapshot of the current state: ${result.safetySnapshot}\n`);
        process.stdout.write(
          `restored ${name} ${result.snapshot.id} into ${result.target}: ${formatBytes(result.bytes)} in ${describeDuration(result.durationMs)}, recorded as run ${result.runId}\n`,
        );
      }),
    );

  backup
    .command('drill')
    .description(
      'restore the newest snapshot into a scratch target, run the assertions, measure RTO and RPO; exit 1 on failure',
    )
    .argument('<name>', 'a backup under backups:')
    .action(async (name: string, _o: unknown, cmd: Command) =>
      withBackups(cmd, async (backups, signal, store) => {
        await settleKilled(backups, name);
        const report = await cliAudited(
          store,
          { action: 'backup.drill', target: name },
          () => runDrill(backups, name, { trigger: 'cli', signal }),
          (r) => ({
            runId: r.runId,
            result: r.ok ? 'ok' : `failed: ${r.failures.join('; ') || 'the drill failed'}`,
          }),
        );
        if (globalOptions(cmd).json) print(report);
        else printDrill(report);
        if (!report.ok) process.exitCode = EXIT.failed;
      }),
    );

  backup
    .command('prune')
    .description('apply keep: now (restic semantics); --dry-run shows what would go')
    .argument('<name>', 'a backup under backups:')
    .option('--dry-run', 'show what would be removed, remove nothing')
    .action(async (name: string, o: { dryRun?: boolean }, cmd: Command) =>
      withBackups(cmd, async (backups, _signal, store) => {
        const result = await cliAudited(
          store,
          { action: 'backup.prune', target: name, params: { dryRun: o.dryRun } },
          () => backups.prune(name, { dryRun: o.dryRun }),
        );
        if (globalOptions(cmd).json) return print(result);
        printTable(
          ['SNAPSHOT', 'DECISION'],
          [
            ...result.kept.map((k) => [k.id, `keep (${k.reasons.join(', ') || 'no policy'})`]),
            ...result.removed.map((id) => [id, o.dryRun ? 'would remove' : 'removed']),
          ],
        );
        if (result.cleaned)
          process.stdout.write(`cleared ${result.cleaned} unfinished snapshot(s) left by a crash\n`);
      }),
    );
}

function rowsOrFiles(s: Snapshot): string {
  const rows = s.source.rows as Record<string, number> | undefined;
  if (rows)
    return `${Object.values(rows).reduce((a, b) => a + b, 0)} rows in ${Object.keys(rows).length} tables`;
  const files = s.source.files as unknown[] | undefined;
  if (files) return `${files.length} files`;
  return '-';
}

function printDrill(r: DrillReport): void {
  const colour = colorsOn(process.stdout);
  process.stdout.write(`drill ${r.backup}: snapshot ${r.snapshot ?? '-'} into ${r.target ?? '-'}\n`);
  if (r.assertions.length)
    printTable(
      ['ASSERTION', 'RESULT', 'WHY'],
      r.assertions.map((a) => [
        a.name,
        a.ok ? tone('pass', colour) : paint('FAIL', 'red', colour),
        a.reason ?? '',
      ]),
    );
  const ms = (v: number | null) => (v === null ? '-' : describeDuration(v));
  process.stdout.write(
    `RTO ${ms(r.rtoMs)}${r.rtoTargetMs !== null ? ` (target ${ms(r.rtoTargetMs)})` : ''}, RPO ${ms(r.rpoMs)}${r.rpoTargetMs !== null ? ` (target ${ms(r.rpoTargetMs)})` : ''}\n`,
  );
  for (const f of r.failures) process.stdout.write(`failed: ${f}\n`);
  process.stdout.write(
    `drill ${r.ok ? tone('passed', colour) : paint('FAILED', 'red', colour)}, recorded as run ${r.runId}\n`,
  );
}
