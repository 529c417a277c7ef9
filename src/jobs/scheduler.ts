import { Cron } from 'croner';
import { coerceError, DayshiftError } from '../errors.js';
import { type Logger, silentLogger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import type { JobQueue } from './queue.js';

export interface ScheduleSpec {
  /** Fire every this many milliseconds. */
  every?: number;
  /** A cron expression (5 fields, or 6 with seconds). */
  cron?: string;
  /** IANA time zone the cron expression is read in; default UTC. */
  timezone?: string;
  kind: string;
  payload?: unknown;
}

/**
 * Recurring schedules that fire once per due time, however many nodes run. Each schedule row holds its
 * next due time; the node that moves it forward (a conditional update) queues the job in the same
 * transaction, so a second node sees the row already moved and queues nothing.
 */
export class Scheduler {
  readonly #queue: JobQueue;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly tickMs: number;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #lastTickAt: number | null = null;

  constructor(queue: JobQueue, options: { clock?: Clock; tickMs?: number; logger?: Logger } = {}) {
    this.#queue = queue;
    this.#clock = options.clock ?? queue.clock;
    this.#logger = options.logger ?? silentLogger();
    this.tickMs = options.tickMs ?? 1_000;
  }

  /** When the scheduler last looked for due schedules; `/ready` uses it to tell it is alive. */
  get lastTickAt(): number | null {
    return this.#lastTickAt;
  }

  /** Creates or updates a schedule; an unchanged definition keeps its next due time. */
  async define(name: string, spec: ScheduleSpec): Promise<void> {
    if ((spec.every === undefined) === (spec.cron === undefined)) {
      throw new DayshiftError('BAD_REQUEST', `schedule "${name}" needs exactly one of every or cron`);
    }
    if (spec.every !== undefined && !(spec.every > 0)) {
      throw new DayshiftError(
        'BAD_REQUEST',
        `schedule "${name}": every must be a positive number of milliseconds`,
      );
    }
    const now = this.#clock.now();
    const row = {
      name,
      kind: spec.kind,
      payload: JSON.stringify(spec.payload ?? null),
      every_ms: spec.every ?? null,
      cron: spec.cron ?? null,
      timezone: spec.timezone ?? null,
    };
    const next = nextDue(row, now);
    const { db } = this.#queue.store;
    const existing = await db.selectFrom('schedules').selectAll().where('name', '=', name).executeTakeFirst();
    if (!existing) {
      await db
        .insertInto('schedules')
        .values({ ...row, next_run_at: next, last_run_at: null, updated_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      return;
    }
    const changed =
      existing.kind !== row.kind ||
      existing.payload !== row.payload ||
      (existing.every_ms === null ? null : Number(existing.every_ms)) !== row.every_ms ||
      existing.cron !== row.cron ||
      existing.timezone !== row.timezone;
    if (changed) {
      await db
        .updateTable('schedules')
        .set({ ...row, next_run_at: next, updated_at: now })
        .where('name', '=', name)
        .execute();
    }
  }

  start(): void {
    if (this.#timer) return;
    const loop = () => {
      this.#ticking = this.tick()
        .then(() => undefined)
        .catch((error: unknown) => this.#logger.error({ err: coerceError(error) }, 'scheduler tick failed'))
        .finally(() => {
          if (this.#timer) this.#timer = setTimeout(loop, this.tickMs);
        });
    };
    this.#timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    const timer = this.#timer;
    this.#timer = undefined;
    clearTimeout(timer);
    await this.#ticking;
  }

  /** Queues one job for every schedule that is due; returns how many this node queued. */
  async tick(): Promise<number> {
    const now = this.#clock.now();
    const { db } = this.#queue.store;
    const due = await db.selectFrom('schedules').selectAll().where('next_run_at', '<=', now).execute();
    let fired = 0;
    for (const schedule of due) {
      const dueAt = Number(schedule.next_run_at);
      const next = nextDue(schedule, now, dueAt);
      const won = await db.transaction().execute(async (trx) => {
        const moved = await trx
          .updateTable('schedules')
          .set({ next_run_at: next, last_run_at: dueAt })
          .where('name', '=', schedule.name)
          .where('next_run_at', '=', dueAt)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) return false;
        await trx
          .insertInto('jobs')
          .values({
            kind: schedule.kind,
            payload: schedule.payload,
            status: 'queued',
            priority: 0,
            run_at: dueAt,
            attempts: 0,
            max_attempts: 5,
            unique_key: `schedule:${schedule.name}:${dueAt}`,
            concurrency_key: null,
            created_at: now,
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
        return true;
      });
      if (won) {
        fired++;
        this.#logger.debug({ schedule: schedule.name, dueAt }, 'schedule fired');
      }
    }
    if (fired > 0) this.#queue.local.emit('enqueued');
    this.#lastTickAt = this.#clock.now();
    return fired;
  }
}

/** The first due time after `now` (and after `after`, the due time just fired). */
function nextDue(
  schedule: { every_ms: number | null; cron: string | null; timezone: string | null },
  now: number,
  after?: number,
): number {
  if (schedule.every_ms !== null) {
    const every = Number(schedule.every_ms);
    if (after === undefined) return now + every;
    // A node that was down for several periods fires once, then resumes on the grid.
    const periods = Math.max(1, Math.floor((now - after) / every) + 1);
    return after + periods * every;
  }
  const cron = new Cron(schedule.cron ?? '', { timezone: schedule.timezone ?? 'UTC', paused: true });
  const next = cron.nextRun(new Date(Math.max(now, after ?? now)));
  if (!next) throw new DayshiftError('BAD_REQUEST', `cron "${schedule.cron}" has no future run`);
  return next.getTime();
}
