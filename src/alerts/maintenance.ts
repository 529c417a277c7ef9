import { Cron } from 'croner';
import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import { didYouMean } from '../schema/did-you-mean.js';
import type { Database } from '../store/schema.js';
import { checkItems, checkName, checkText, checkTime } from '../util/input-bounds.js';
import { ownValue } from '../util/own.js';
import { dateTimeIn } from '../util/zoned-time.js';

/** A maintenance window as it applies at some moment: from the file (recurring or one-off) or the API. */
export interface MaintenanceWindow {
  name: string;
  startsAt: number;
  endsAt: number;
  /** Null for the whole stack. */
  services: string[] | null;
  /** Where it was defined: the stack file, or the API or CLI (`origin` is an alert's word). */
  definedIn: 'file' | 'api';
  /** The stored window's id, for those made through the API or CLI. */
  id?: number;
  description?: string;
}

type FileWindow = StackConfig['maintenance'][number];

/**
 * The maintenance windows of the file and of the store. During a window the checks of its services
 * still run and their states are recorded; only notifications are held back.
 */
export class MaintenanceCalendar {
  readonly #file: readonly FileWindow[];
  readonly #services: StackConfig['services'];
  readonly #db: Kysely<Database>;

  constructor(config: Pick<StackConfig, 'maintenance' | 'services'>, db: Kysely<Database>) {
    this.#file = config.maintenance;
    this.#services = config.services;
    this.#db = db;
  }

  /** Windows open at `now`. */
  async active(now: number): Promise<MaintenanceWindow[]> {
    const out: MaintenanceWindow[] = [];
    for (const w of this.#file) {
      const occurrence = occurrenceCovering(w, now);
      if (occurrence) out.push(occurrence);
    }
    const stored = await this.#db
      .selectFrom('maintenance_windows')
      .selectAll()
      .where('starts_at', '<=', now)
      .where('ends_at', '>', now)
      .execute();
    for (const row of stored) out.push(fromRow(row));
    return out;
  }

  /** A one-off window made through the API or CLI. */
  async add(
    input: {
      name: string;
      startsAt: number;
      endsAt: number;
      services: string[] | null;
      createdBy: string;
      description?: string;
    },
    now: number,
  ): Promise<MaintenanceWindow> {
    checkName(input.name, 'the window name');
    if (input.description !== undefined) checkText(input.description, 'the description');
    checkTime(input.startsAt, now, 'the start');
    checkTime(input.endsAt, now, 'the end');
    if (input.services) this.#checkServices(input.services);
    if (!(input.endsAt > input.startsAt))
      throw new DayshiftError('BAD_REQUEST', 'a maintenance window must end after it starts', {
        hint: 'give a positive duration such as 1h',
      });
    const row = await this.#db
      .insertInto('maintenance_windows')
      .values({
        name: input.name,
        starts_at: input.startsAt,
        ends_at: input.endsAt,
        services: input.services ? JSON.stringify(input.services) : null,
        created_by: input.createdBy,
        description: input.description ?? null,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return fromRow(row);
  }

  /** A window names services of the stack file, so a typo cannot make a window that holds back nothing. */
  #checkServices(services: readonly string[]): void {
    checkItems(services, 'the list of services');
    const known = Object.keys(this.#services);
    for (const service of services) {
      if (ownValue(this.#services, checkName(service, 'a service name'))) continue;
      throw new DayshiftError('BAD_REQUEST', `no service named "${service}" in the stack file`, {
        hint:
          didYouMean(service, known) ??
          (known.length > 0 ? `services: ${known.join(', ')}` : 'this stack file defines no services'),
      });
    }
  }

  /** Ends a stored window now; false when there is none open or upcoming with that id. */
  async end(id: number, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('maintenance_windows')
      .set({ ends_at: now })
      .where('id', '=', id)
      .where('ends_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Windows open now or starting within `horizonMs`, soonest first. */
  async upcoming(now: number, horizonMs: number): Promise<MaintenanceWindow[]> {
    const out: MaintenanceWindow[] = [];
    for (const w of this.#file) {
      const current = occurrenceCovering(w, now);
      if (current) out.push(current);
      const next = nextOccurrence(w, now);
      if (next && next.startsAt <= now + horizonMs && next.startsAt !== current?.startsAt) out.push(next);
    }
    const stored = await this.#db
      .selectFrom('maintenance_windows')
      .selectAll()
      .where('ends_at', '>', now)
      .where('starts_at', '<=', now + horizonMs)
      .execute();
    for (const row of stored) out.push(fromRow(row));
    return out.sort((a, b) => a.startsAt - b.startsAt);
  }
}

/** The window covering `service` (or any window for the whole stack), if one does. */
export function windowCovering(
  windows: readonly MaintenanceWindow[],
  service: string | null | undefined,
): MaintenanceWindow | undefined {
  return windows.find((w) => w.services === null || (service != null && w.services.includes(service)));
}

/**
 * The occurrence of a file window that contains `now`. For a recurring one that is the first start after
 * `now − duration`, if it is not after `now`.
 */
function occurrenceCovering(w: FileWindow, now: number): MaintenanceWindow | undefined {
  let start: number | undefined;
  if (w.schedule) {
    const cron = new Cron(w.schedule, { timezone: w.timezone ?? 'UTC', paused: true });
    start = cron.nextRun(new Date(now - w.duration))?.getTime();
  } else if (w.at) {
    start = dateTimeIn(w.at, w.timezone ?? 'UTC');
  }
  if (start === undefined || start > now || start + w.duration <= now) return undefined;
  return fileWindow(w, start);
}

function nextOccurrence(w: FileWindow, now: number): MaintenanceWindow | undefined {
  let start: number | undefined;
  if (w.schedule) {
    const cron = new Cron(w.schedule, { timezone: w.timezone ?? 'UTC', paused: true });
    start = cron.nextRun(new Date(now))?.getTime();
  } else if (w.at) {
    start = dateTimeIn(w.at, w.timezone ?? 'UTC');
    if (start <= now) return undefined;
  }
  return start === undefined ? undefined : fileWindow(w, start);
}

function fileWindow(w: FileWindow, start: number): MaintenanceWindow {
  return {
    name: w.name,
    startsAt: start,
    endsAt: start + w.duration,
    services: w.services ? [...w.services] : null,
    definedIn: 'file',
    ...(w.description ? { description: w.description } : {}),
  };
}

function fromRow(row: {
  id: number;
  name: string;
  starts_at: number;
  ends_at: number;
  services: string | null;
  description: string | null;
}): MaintenanceWindow {
  return {
    id: Number(row.id),
    name: row.name,
    startsAt: Number(row.starts_at),
    endsAt: Number(row.ends_at),
    services: row.services ? (JSON.parse(row.services) as string[]) : null,
    definedIn: 'api',
    ...(row.description ? { description: row.description } : {}),
  };
}
