import os from 'node:os';
import type { Command } from 'commander';
import { acknowledge } from '../../alerts/alert-store.js';
import { alertDetail, type DeliveryRecord, listAlerts } from '../../alerts/queries.js';
import { parseMatcher, Silences } from '../../alerts/silences.js';
import type { AlertRecord } from '../../alerts/types.js';
import { DayshiftError } from '../../errors.js';
import { describeDuration, parseDuration } from '../../schema/duration.js';
import { checkDuration, checkName } from '../../util/input-bounds.js';
import { colorsOn, tone } from '../../util/terminal.js';
import { cliAudited } from '../audited.js';
import { globalOptions, idOf, openCliStack } from '../context.js';
import { formatTime, printJson, printTable } from '../table.js';

function whoAmI(): string {
  return process.env.USER ?? os.userInfo().username ?? 'cli';
}

/** `dayshift alerts [--firing|--open]` and `alerts show <id>`. */
export function defineAlerts(alerts: Command): void {
  alerts
    .option('--firing', 'only firing alerts')
    .option('--open', 'only open alerts (pending or firing)')
    .option('--limit <n>', 'how many', '50')
    .action(async (options: { firing?: boolean; open?: boolean; limit: string }, cmd: Command) => {
      const { store } = await openCliStack(cmd);
      try {
        const states: AlertRecord['state'][] | undefined = options.firing
          ? ['firing']
          : options.open
            ? ['pending', 'firing']
            : undefined;
        const rows = await listAlerts(store.db, { states, limit: Number(options.limit) || 50 });
        if (globalOptions(cmd).json) return printJson(rows);
        if (rows.length === 0) {
          process.stdout.write(options.firing ? 'nothing is firing\n' : 'no alerts yet\n');
          return;
        }
        const colour = colorsOn(process.stdout);
        printTable(
          ['ID', 'STATE', 'SEVERITY', 'NAME', 'SINCE', 'ACK', 'WHY'],
          rows.map((a) => [
            String(a.id),
            tone(a.flapping ? `${a.state} (flapping)` : a.state, colour),
            a.severity,
            a.name,
            formatTime(a.state === 'resolved' ? a.resolvedAt : a.startedAt),
            a.ackedBy ?? '-',
            a.summary,
          ]),
        );
      } finally {
        await store.close();
      }
    });

  alerts
    .command('show')
    .description('one alert: its timeline and every notification with its delivery')
    .argument('<id>', 'the alert id')
    .action(async (id: string, _options: unknown, cmd: Command) => {
      const { store } = await openCliStack(cmd);
      try {
        const detail = await alertDetail(store.db, idOf(id, 'an alert'));
        if (!detail)
          throw new DayshiftError('ALERT_NOT_FOUND', `no alert #${id}`, {
            hint: 'dayshift alerts lists them',
          });
        if (globalOptions(cmd).json) return printJson(detail);
        const a = detail.alert;
        process.stdout.write(
          [
            `alert #${a.id}  ${a.name}`,
            `  state     ${tone(a.state, colorsOn(process.stdout))}${a.flapping ? ' (flapping)' : ''}`,
            `  severity  ${a.severity}`,
            `  key       ${a.key}`,
            `  why       ${a.summary}`,
            `  started   ${formatTime(a.startedAt)}`,
            `  fired     ${formatTime(a.firedAt)}`,
            `  resolved  ${formatTime(a.resolvedAt)}`,
            `  acked     ${a.ackedBy ? `${a.ackedBy}, ${formatTime(a.ackedAt)}` : '-'}`,
            `  notify    ${a.notify.join(', ') || '(nobody)'}`,
            '',
            'timeline:',
            '',
          ].join('\n'),
        );
        printTable(
          ['AT', 'EVENT', 'DETAIL'],
          detail.timeline.map((e) => [formatTime(e.at), e.type, e.detail ?? '']),
        );
        process.stdout.write('\nnotifications:\n');
        if (detail.notifications.length === 0) process.stdout.write('  none\n');
        else
          printTable(
            ['NOTIFIER', 'EVENT', 'STATUS', 'DELIVERY', 'ATTEMPTS', 'SENT', 'OUTCOME'],
            detail.notifications.map((n) => [
              n.notifier,
              n.event,
              n.suppressedBy ? `${n.status} (${n.suppressedBy})` : n.status,
              n.delivery ? `${n.delivery.id.slice(0, 8)} ${n.delivery.status}` : '-',
              n.delivery ? String(n.delivery.attempts) : '-',
              formatTime(n.delivery?.sentAt ?? null),
              n.delivery ? outcomeLine(n.delivery) : '',
            ]),
          );
      } finally {
        await store.close();
      }
    });
}

/** A delivery's outcome with what the receiver said, and for a retried success the error it got past. */
function outcomeLine(d: DeliveryRecord): string {
  const said = d.receiptDetail ?? (d.receiptStatus === null ? '' : String(d.receiptStatus));
  return [
    d.outcome,
    said && d.status === 'sent' ? `: ${said}` : '',
    d.earlierError ? ` (after: ${d.earlierError})` : '',
  ].join('');
}

/** `dayshift ack <id>`: acknowledges an open alert. */
export function defineAck(ack: Command): void {
  ack
    .argument('<id>', 'the alert id')
    .option('--comment <text>', 'why, or what you are doing about it')
    .option('--by <name>', 'who acknowledges (default: your user name)')
    .action(async (id: string, options: { comment?: string; by?: string }, cmd: Command) => {
      const { store } = await openCliStack(cmd);
      try {
        const result = await cliAudited(
          store,
          {
            action: 'alert.ack',
            target: id.replace(/^#/, ''),
            params: { comment: options.comment, by: options.by },
          },
          async () => {
            const acked = await acknowledge(
              store.db,
              idOf(id, 'an alert'),
              checkName(options.by ?? whoAmI(), '--by'),
              Date.now(),
              options.comment,
            );
            if (acked === undefined)
              throw new DayshiftError('ALERT_NOT_FOUND', `no alert #${id}`, {
                hint: 'dayshift alerts lists them',
              });
            if (acked === 'not-open')
              throw new DayshiftError('ALERT_STATE_CONFLICT', `alert #${id} is resolved`, {
                hint: 'only open alerts can be acknowledged',
              });
            return acked;
          },
        );
        if (globalOptions(cmd).json) return printJson(result);
        process.stdout.write(`acknowledged #${result.id} ${result.name} as ${result.ackedBy}\n`);
      } finally {
        await store.close();
      }
    });
}

/** `dayshift silence [matchers...]`, `--list`, `--expire <id>`: silences. */
export function defineSilence(silence: Command): void {
  silence
    .argument(
      '[matchers...]',
      'label=value, label!=value, label=~regex, label!~regex (service, check, severity, alertname, origin, key)',
    )
    .option('--for <duration>', 'how long, e.g. 2h', '2h')
    .option('--comment <text>', 'why')
    .option('--list', 'list the silences that have not expired')
    .option('--expire <id>', 'end a silence now')
    .action(
      async (
        matchers: string[],
        options: { for: string; comment?: string; list?: boolean; expire?: string },
        cmd: Command,
      ) => {
        const { store } = await openCliStack(cmd);
        try {
          const silences = new Silences(store.db);
          const now = Date.now();
          const json = globalOptions(cmd).json;
          if (options.expire) {
            const target = options.expire;
            const id = await cliAudited(store, { action: 'silence.expire', target }, async () => {
              const id = idOf(target, 'a silence');
              if (!(await silences.expire(id, now)))
                throw new DayshiftError('NOT_FOUND', `no active silence #${id}`, {
                  hint: 'dayshift silence --list shows them',
                });
              return id;
            });
            process.stdout.write(`silence #${id} expired\n`);
            return;
          }
          if (options.list) {
            const rows = await silences.list(now);
            if (json) return printJson(rows);
            if (rows.length === 0) process.stdout.write('no active silences\n');
            else
              printTable(
                ['ID', 'MATCHERS', 'FROM', 'UNTIL', 'BY', 'COMMENT'],
                rows.map((s) => [
                  String(s.id),
                  s.matchers.map((m) => `${m.name}${m.op}${m.value}`).join(' '),
                  formatTime(s.startsAt),
                  formatTime(s.endsAt),
                  s.createdBy,
                  s.comment ?? '',
                ]),
              );
            return;
          }
          const { silence, length } = await cliAudited(
            store,
            { action: 'silence.create', params: { matchers, for: options.for, comment: options.comment } },
            async () => {
              const length = parseDuration(options.for);
              if (length === undefined || length <= 0)
                throw new DayshiftError('BAD_REQUEST', `--for "${options.for}" is not a duration`, {
                  hint: 'e.g. --for 2h',
                });
              checkDuration(length, `--for "${options.for}"`);
              const silence = await silences.create(
                {
                  matchers: matchers.map(parseMatcher),
                  startsAt: now,
                  endsAt: now + length,
                  createdBy: whoAmI(),
                  comment: options.comment,
                },
                now,
              );
              return { silence, length };
            },
            ({ silence }) => ({ target: String(silence.id) }),
          );
          if (json) return printJson(silence);
          process.stdout.write(
            `silence #${silence.id} until ${formatTime(silence.endsAt, { relative: false })} (${describeDuration(length)})\n`,
          );
        } finally {
          await store.close();
        }
      },
    );
}
