import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { MaintenanceCalendar } from '../../alerts/maintenance.js';
import { isPushed } from '../../checks/registry.js';
import { stackHashOnDisk } from '../../config/stack-hash.js';
import { EXIT } from '../../errors.js';
import { checksOf, type MonitoredCheck } from '../../monitor/configured-checks.js';
import { HeartbeatStore } from '../../monitor/heartbeats.js';
import { servingNodes } from '../../monitor/membership.js';
import { type CheckStatus, checkStatuses } from '../../monitor/status.js';
import type { Database } from '../../store/schema.js';
import { systemClock } from '../../util/clock.js';
import { colorsOn, tone } from '../../util/terminal.js';
import { globalOptions, openCliStack } from '../context.js';
import { formatTime, printTable } from '../table.js';
import { uptimeColumns } from './status-uptime.js';

/**
 * `dayshift status [--watch] [--exit-code]`: every check's current state, why it is red, and its
 * uptime; with --exit-code, exit 1 when one is unhealthy, so a script or cron job can act on it.
 */
export function defineStatus(status: Command): void {
  status
    .option('--watch', 'redraw every 2 seconds until interrupted')
    .option('--exit-code', 'exit 1 when any check is unhealthy (with --watch: as of the last redraw)')
    .action(async (options: { watch?: boolean; exitCode?: boolean }, cmd: Command) => {
      const { config, configPath, store } = await openCliStack(cmd);
      const checks = checksOf(config);
      const json = globalOptions(cmd).json;
      try {
        for (;;) {
          const statuses = await checkStatuses(store.db, checks);
          const uptime = await uptimeColumns(store.db, statuses, Date.now());
          if (options.exitCode)
            process.exitCode = statuses.some((s) => s.state === 'unhealthy') ? EXIT.failed : EXIT.ok;
          if (json)
            process.stdout.write(
              `${JSON.stringify(
                statuses.map((s, i) => ({ ...s, uptime: uptime[i] })),
                null,
                2,
              )}\n`,
            );
          else {
            if (options.watch && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
            printStatuses(statuses, uptime);
            await printMaintenance(new MaintenanceCalendar(config, store.db), Date.now());
            await printHeartbeatUrls(store.db, checks, config.server.listen);
          }
          // On stderr with --json, so the array on stdout stays what scripts parse.
          for (const line of await unreloadedEdits(store.db, configPath))
            (json ? process.stderr : process.stdout).write(`${line}\n`);
          if (!options.watch) break;
          await new Promise((resolve) => setTimeout(resolve, 2_000));
        }
      } finally {
        await store.close();
      }
    });
}

/**
 * One line per live node that serves another version of the stack file than the one on disk (and
 * its .env): an edit not yet reloaded. Nodes from before hashes were recorded say nothing.
 */
async function unreloadedEdits(db: Kysely<Database>, configPath: string): Promise<string[]> {
  const onDisk = stackHashOnDisk(configPath);
  if (onDisk === undefined) return [];
  const local = hostname();
  return (await servingNodes(db, Date.now()))
    .filter((n) => n.configHash !== null && n.configHash !== onDisk)
    .map(
      (n) =>
        `\nthe file on disk differs from the one being served by ${n.id} (reload with kill -HUP ${n.pid}${
          n.host === local ? '' : ` on ${n.host}`
        })`,
    );
}

/** Maintenance windows open now or starting within a day: their checks run, their alerts stay quiet. */
async function printMaintenance(calendar: MaintenanceCalendar, now: number): Promise<void> {
  const windows = await calendar.upcoming(now, 86_400_000);
  if (windows.length === 0) return;
  process.stdout.write('\nmaintenance (notifications held back; states still recorded):\n');
  printTable(
    ['WINDOW', 'SERVICES', 'FROM', 'UNTIL', 'NOW'],
    windows.map((w) => [
      w.name,
      w.services?.join(', ') ?? 'all',
      formatTime(w.startsAt),
      formatTime(w.endsAt),
      w.startsAt <= now ? 'active' : 'upcoming',
    ]),
  );
}

/** Where each heartbeat check's job must report, so the cron line can be written, and what it last said. */
async function printHeartbeatUrls(
  db: Kysely<Database>,
  checks: readonly MonitoredCheck[],
  listen: string,
): Promise<void> {
  const ids = checks.filter((c) => isPushed(c.kind)).map((c) => c.id);
  if (ids.length === 0) return;
  const rows = await db
    .selectFrom('heartbeats')
    .select(['check_id', 'token'])
    .where('check_id', 'in', ids)
    .execute();
  if (rows.length === 0) return;
  process.stdout.write('\nheartbeat URLs (GET or POST; add /start, /fail, /log or /<exit status>):\n');
  const pings = new HeartbeatStore(db, systemClock);
  for (const row of rows) {
    process.stdout.write(`  ${row.check_id}  http://${listen}/ping/${row.token}\n`);
    const [last] = await pings.recent(row.check_id, 1);
    if (!last) continue;
    const status = last.exitStatus === null ? '' : ` (exit status ${last.exitStatus})`;
    process.stdout.write(`    last ping: ${last.kind}${status} at ${formatTime(last.at)}\n`);
    const body = last.body.trimEnd();
    if (body) process.stdout.write(`${indent(tailLines(body, STATUS_BODY_LINES))}\n`);
  }
}

/** Lines of a ping's body `status` prints: the end of a job's output, where its errors are. */
const STATUS_BODY_LINES = 20;

function tailLines(text: string, count: number): string {
  const lines = text.split('\n');
  return lines.length <= count ? text : ['…', ...lines.slice(-count)].join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
}

function printStatuses(
  statuses: readonly CheckStatus[],
  uptime: ReadonlyArray<Record<string, number | null>>,
): void {
  if (statuses.length === 0) {
    process.stdout.write('this file defines no checks\n');
    return;
  }
  const colour = colorsOn(process.stdout);
  const pct = (v: number | null | undefined) =>
    v === null || v === undefined ? '-' : `${v.toFixed(v === 100 ? 0 : 2)}%`;
  printTable(
    ['SERVICE', 'CHECK', 'STATE', 'SINCE', 'LAST RUN', 'LATENCY', 'UP 24H', 'UP 30D', 'WHY'],
    statuses.map((s, i) => [
      s.service,
      s.name,
      tone(s.state, colour),
      formatTime(s.since),
      formatTime(s.lastAt),
      s.lastLatencyMs === null ? '-' : `${Math.round(s.lastLatencyMs * 10) / 10}ms`,
      pct(uptime[i]?.['24h']),
      pct(uptime[i]?.['30d']),
      s.state === 'healthy' ? '' : (s.reason ?? ''),
    ]),
  );
}
