import type { Command } from 'commander';
import { AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT, listAudit, timeOf } from '../../audit/index.js';
import { DayshiftError } from '../../errors.js';
import { globalOptions, openCliStore } from '../context.js';
import { formatTime, printTable } from '../table.js';

interface AuditOptions {
  actor?: string;
  action?: string;
  target?: string;
  since?: string;
  until?: string;
  limit: string;
  before?: string;
}

/** `dayshift audit`: the audit log, newest first, read from the store. */
export function defineAudit(audit: Command): void {
  audit
    .option('--actor <actor>', 'token:<name> or cli:<user>@<host>')
    .option('--action <action>', 'an action (backup.restore) or a prefix (backup.*)')
    .option('--target <target>', 'what the action was on: a name or an id')
    .option('--since <when>', 'a duration back from now (1h, 7d) or epoch milliseconds')
    .option('--until <when>', 'a duration back from now or epoch milliseconds')
    .option('--limit <n>', `how many, at most ${AUDIT_MAX_LIMIT}`, String(AUDIT_DEFAULT_LIMIT))
    .option('--before <id>', 'only entries older than this id (paging)')
    .action(async (options: AuditOptions, cmd: Command) => {
      const now = Date.now();
      const filter = {
        actor: options.actor,
        action: options.action,
        target: options.target,
        since: timeOf(options.since, '--since', now),
        until: timeOf(options.until, '--until', now),
        limit: count(options.limit, '--limit', AUDIT_MAX_LIMIT),
        before: options.before === undefined ? undefined : count(options.before, '--before'),
      };
      const store = await openCliStore(cmd);
      try {
        const entries = await listAudit(store.db, filter);
        if (globalOptions(cmd).json) {
          process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
          return;
        }
        if (entries.length === 0) {
          process.stdout.write('no audit entries match\n');
          return;
        }
        printTable(
          ['ID', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'RESULT', 'RUN'],
          entries.map((e) => [
            String(e.id),
            formatTime(e.at, { now }),
            e.actor,
            e.action,
            e.target ?? '-',
            e.result,
            e.runId === null ? '-' : String(e.runId),
          ]),
        );
      } finally {
        await store.close();
      }
    });
}

function count(text: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new DayshiftError('BAD_REQUEST', `${what} "${text}" is not a whole number from 1 to ${max}`, {
      hint: `e.g. ${what} 50`,
    });
  return n;
}
