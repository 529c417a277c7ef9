import os from 'node:os';
import type { Command } from 'commander';
import { DayshiftError } from '../../errors.js';
import { OnCall, type OnCallShift } from '../../incidents/oncall.js';
import { ownValue } from '../../util/own.js';
import { formatWallTime, parseDateTimeIn } from '../../util/zoned-time.js';
import { cliAudited } from '../audited.js';
import { globalOptions, openCliStack } from '../context.js';
import { printTable } from '../table.js';

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

function whoAmI(): string {
  return process.env.USER ?? os.userInfo().username ?? 'cli';
}

/** `--at`: epoch milliseconds, or a date and time in this machine's zone (TZ) unless it has an offset. */
function momentOf(text: string | undefined, timeZone: string, what: string): number {
  if (text === undefined) return Date.now();
  if (/^\d{10,16}$/.test(text)) return Number(text);
  return parseDateTimeIn(text, timeZone, what);
}

function idOf(text: string): number {
  const id = Number(text.replace(/^#/, ''));
  if (!Number.isInteger(id) || id <= 0)
    throw new DayshiftError('BAD_REQUEST', `"${text}" is not an override id`, {
      hint: 'ids are whole numbers, e.g. 12; dayshift oncall overrides lists them',
    });
  return id;
}

/** `ann`, or `dan (override #3: dentist)`. */
function holder(shift: OnCallShift | undefined, oncall: OnCall): string {
  if (!shift) return '-';
  const name = oncall.displayName(shift.person);
  const who = name === shift.person ? name : `${name} (${shift.person})`;
  if (!shift.override) return who;
  return `${who} [override #${shift.override.id}${shift.override.reason ? `: ${shift.override.reason}` : ''}]`;
}

/**
 * `dayshift oncall`: who is on call now and next for each rotation; `oncall override` and
 * `oncall overrides` for dated swaps. Times are shown as the rotation's own clocks show them.
 */
export function defineOncall(cmd: Command): void {
  cmd
    .option(
      '--at <time>',
      'ask about another time: 2026-03-29T09:00 (this machine’s zone), with an offset, or epoch ms',
    )
    .option('--next <n>', 'how many shifts after the current one to show per rotation', '1')
    .action(async (options: { at?: string; next: string }, command: Command) => {
      const { config, store } = await openCliStack(command);
      try {
        const oncall = new OnCall(store.db, config);
        const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        const at = momentOf(options.at, localZone, '--at');
        const count = Number(options.next);
        if (!Number.isInteger(count) || count < 0 || count > 100)
          throw new DayshiftError('BAD_REQUEST', `--next "${options.next}" is not a count`, {
            hint: 'give a whole number from 0 to 100',
          });
        const rotations = [];
        for (const name of oncall.rotations())
          rotations.push({
            rotation: name,
            timezone: oncall.rotation(name).timezone,
            now: await oncall.now(name, at),
            upcoming: await oncall.upcoming(name, at, count),
          });
        if (globalOptions(command).json) return print({ at, rotations });
        if (rotations.length === 0) {
          process.stdout.write('no on-call rotations: add them under oncall: in the stack file\n');
          return;
        }
        const rows: string[][] = [];
        for (const r of rotations) {
          const shown = (s: OnCallShift) => formatWallTime(s.startsAt, r.timezone);
          rows.push([
            r.rotation,
            'now',
            holder(r.now, oncall),
            shown(r.now),
            formatWallTime(r.now.endsAt, r.timezone),
            r.timezone,
          ]);
          for (const s of r.upcoming)
            rows.push([
              '',
              'next',
              holder(s, oncall),
              shown(s),
              formatWallTime(s.endsAt, r.timezone),
              r.timezone,
            ]);
        }
        printTable(['ROTATION', 'WHEN', 'ON CALL', 'FROM', 'UNTIL', 'ZONE'], rows);
      } finally {
        await store.close();
      }
    });

  const override = cmd
    .command('override')
    .description(
      'a dated swap: --person covers <rotation> from --from until --to; `override remove <id>` undoes one',
    )
    .argument('<rotation>', 'the rotation (oncall: in the stack file)')
    .option('--person <name>', 'who covers (one of people: in the stack file)')
    .option('--from <time>', "start: 2026-03-29T09:00 in the rotation's time zone, or with an offset")
    .option('--to <time>', "end: 2026-03-30T09:00 in the rotation's time zone, or with an offset")
    .option('--reason <text>', 'why, shown beside the override')
    .action(
      async (
        rotation: string,
        options: { person?: string; from?: string; to?: string; reason?: string },
        command: Command,
      ) => {
        const { config, store } = await openCliStack(command);
        try {
          const oncall = new OnCall(store.db, config);
          const made = await cliAudited(
            store,
            {
              action: 'override.create',
              target: rotation,
              params: { person: options.person, from: options.from, to: options.to, reason: options.reason },
            },
            async () => {
              const { timezone } = oncall.rotation(rotation);
              for (const flag of ['person', 'from', 'to'] as const)
                if (options[flag] === undefined)
                  throw new DayshiftError('BAD_REQUEST', `an override needs --${flag}`, {
                    hint: 'e.g. dayshift oncall override ops --person dan --from 2026-03-30T09:00 --to 2026-03-31T09:00',
                  });
              return oncall.addOverride(
                {
                  rotation,
                  person: options.person as string,
                  startsAt: momentOf(options.from, timezone, '--from'),
                  endsAt: momentOf(options.to, timezone, '--to'),
                  reason: options.reason,
                  createdBy: whoAmI(),
                },
                Date.now(),
              );
            },
          );
          if (globalOptions(command).json) return print(made);
          const { timezone } = oncall.rotation(rotation);
          process.stdout.write(
            `override #${made.id}: ${made.person} is on call for ${rotation} from ${formatWallTime(made.startsAt, timezone)} until ${formatWallTime(made.endsAt, timezone)} (${timezone})\n`,
          );
        } finally {
          await store.close();
        }
      },
    );

  override
    .command('remove')
    .description('remove an override: the rotation (or an older override) holds its span again')
    .argument('<id>', 'the override id (dayshift oncall overrides lists them)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { config, store } = await openCliStack(command);
      try {
        const removed = await cliAudited(store, { action: 'override.remove', target: id }, async () => {
          const n = idOf(id);
          if (!(await new OnCall(store.db, config).removeOverride(n)))
            throw new DayshiftError('NOT_FOUND', `no on-call override #${n}`, {
              hint: 'dayshift oncall overrides --all lists them',
            });
          return n;
        });
        if (globalOptions(command).json) return print({ removed });
        process.stdout.write(`override #${removed} removed\n`);
      } finally {
        await store.close();
      }
    });

  cmd
    .command('overrides')
    .description('list the overrides that have not ended, soonest first (--all for past ones too)')
    .argument('[rotation]', 'only this rotation')
    .option('--all', 'past overrides too')
    .action(async (rotation: string | undefined, options: { all?: boolean }, command: Command) => {
      const { config, store } = await openCliStack(command);
      try {
        const oncall = new OnCall(store.db, config);
        const rows = await oncall.overrides(rotation, options.all ? undefined : Date.now());
        if (globalOptions(command).json) return print(rows);
        if (rows.length === 0) {
          process.stdout.write(options.all ? 'no overrides\n' : 'no current or coming overrides\n');
          return;
        }
        printTable(
          ['ID', 'ROTATION', 'PERSON', 'FROM', 'UNTIL', 'ZONE', 'BY', 'REASON'],
          rows.map((o) => {
            // An override of a rotation since removed from the file is shown in UTC.
            const zone = ownValue(config.oncall, o.rotation)?.timezone ?? 'UTC';
            return [
              String(o.id),
              o.rotation,
              o.person,
              formatWallTime(o.startsAt, zone),
              formatWallTime(o.endsAt, zone),
              zone,
              o.createdBy,
              o.reason ?? '',
            ];
          }),
        );
      } finally {
        await store.close();
      }
    });
}
