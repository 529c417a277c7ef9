import os from 'node:os';
import type { Command } from 'commander';
import { DayshiftError } from '../../errors.js';
import type { OnCallShift } from '../../incidents/oncall.js';
import { checkName } from '../../util/input-bounds.js';
import { formatWallTime } from '../../util/zoned-time.js';
import { globalOptions, idOf } from '../context.js';
import { printJson, printTable } from '../table.js';
import { momentIn, type OncallBackend, openOncall } from './oncall-backend.js';

function whoAmI(): string {
  return process.env.USER ?? os.userInfo().username ?? 'cli';
}

/** `ann`, `Ann Smith (ann)`, or `dan [override #3: dentist]`. */
function holder(shift: OnCallShift, backend: OncallBackend): string {
  const name = backend.displayName(shift.person);
  const who = name === shift.person ? name : `${name} (${shift.person})`;
  if (!shift.override) return who;
  return `${who} [override #${shift.override.id}${shift.override.reason ? `: ${shift.override.reason}` : ''}]`;
}

/** Runs `work` over the backend the command line asks for, and closes it. */
async function withOncall<T>(cmd: Command, work: (backend: OncallBackend) => Promise<T>): Promise<T> {
  const backend = await openOncall(cmd);
  try {
    return await work(backend);
  } finally {
    await backend.close();
  }
}

/**
 * `dayshift oncall`: who is on call now and next for each rotation; `oncall override` and
 * `oncall overrides` for dated swaps. Times are shown as the rotation's own clocks show them. Each works
 * on the store here, or on a server with `--server URL --token T`.
 */
export function defineOncall(cmd: Command): void {
  cmd
    .option(
      '--at <time>',
      'ask about another time: 2026-03-29T09:00 (this machine’s zone), with an offset, or epoch ms',
    )
    .option('--next <n>', 'how many shifts after the current one to show per rotation', '1')
    .option('--server <url>', 'ask this Dayshift server instead of the store here')
    .option('--token <token>', 'the API token for --server (default: $DAYSHIFT_TOKEN)')
    .action(async (options: { at?: string; next: string }, command: Command) => {
      const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      const at = options.at === undefined ? Date.now() : momentIn(options.at, localZone, '--at');
      const count = Number(options.next);
      if (!Number.isInteger(count) || count < 0 || count > 100)
        throw new DayshiftError('BAD_REQUEST', `--next "${options.next}" is not a count`, {
          hint: 'give a whole number from 0 to 100',
        });
      await withOncall(command, async (backend) => {
        const rotations = await backend.rotations(at, count);
        if (globalOptions(command).json) return printJson({ at, rotations });
        if (rotations.length === 0) {
          process.stdout.write('no on-call rotations: add them under oncall: in the stack file\n');
          return;
        }
        const rows: string[][] = [];
        for (const r of rotations) {
          const row = (rotation: string, when: string, s: OnCallShift) => [
            rotation,
            when,
            holder(s, backend),
            formatWallTime(s.startsAt, r.timezone),
            formatWallTime(s.endsAt, r.timezone),
            r.timezone,
          ];
          rows.push(row(r.rotation, 'now', r.now));
          for (const s of r.upcoming) rows.push(row('', 'next', s));
        }
        printTable(['ROTATION', 'WHEN', 'ON CALL', 'FROM', 'UNTIL', 'ZONE'], rows);
      });
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
        const { person, from, to } = options;
        if (person === undefined || from === undefined || to === undefined)
          throw new DayshiftError(
            'BAD_REQUEST',
            `an override needs ${[person === undefined ? '--person' : '', from === undefined ? '--from' : '', to === undefined ? '--to' : ''].filter(Boolean).join(', ')}`,
            {
              hint: 'e.g. dayshift oncall override ops --person dan --from 2026-03-30T09:00 --to 2026-03-31T09:00',
            },
          );
        await withOncall(command, async (backend) => {
          const made = await backend.addOverride(checkName(rotation, 'the rotation'), {
            person,
            from,
            to,
            reason: options.reason,
            createdBy: whoAmI(),
          });
          if (globalOptions(command).json) return printJson(made);
          const timezone = (await backend.zones())[made.rotation] ?? 'UTC';
          process.stdout.write(
            `override #${made.id}: ${made.person} is on call for ${made.rotation} from ${formatWallTime(made.startsAt, timezone)} until ${formatWallTime(made.endsAt, timezone)} (${timezone})\n`,
          );
        });
      },
    );

  override
    .command('remove')
    .description('remove an override: the rotation (or an older override) holds its span again')
    .argument('<id>', 'the override id (dayshift oncall overrides lists them)')
    .action(async (text: string, _options: unknown, command: Command) => {
      const id = idOf(
        text,
        'an override',
        'ids are whole numbers, e.g. 12; dayshift oncall overrides lists them',
      );
      await withOncall(command, async (backend) => {
        if (!(await backend.removeOverride(id)))
          throw new DayshiftError('NOT_FOUND', `no on-call override #${id}`, {
            hint: 'dayshift oncall overrides --all lists them',
          });
        if (globalOptions(command).json) return printJson({ removed: id });
        process.stdout.write(`override #${id} removed\n`);
      });
    });

  cmd
    .command('overrides')
    .description('list the overrides that have not ended, soonest first (--all for past ones too)')
    .argument('[rotation]', 'only this rotation')
    .option('--all', 'past overrides too')
    .action(async (rotation: string | undefined, options: { all?: boolean }, command: Command) => {
      await withOncall(command, async (backend) => {
        const rows = await backend.overrides(rotation, options.all === true);
        if (globalOptions(command).json) return printJson(rows);
        if (rows.length === 0) {
          process.stdout.write(options.all ? 'no overrides\n' : 'no current or coming overrides\n');
          return;
        }
        const zones = await backend.zones();
        printTable(
          ['ID', 'ROTATION', 'PERSON', 'FROM', 'UNTIL', 'ZONE', 'BY', 'REASON'],
          rows.map((o) => {
            // An override of a rotation since removed from the file is shown in UTC.
            const zone = Object.hasOwn(zones, o.rotation) ? (zones[o.rotation] as string) : 'UTC';
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
      });
    });
}
