import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import { didYouMean } from '../schema/did-you-mean.js';
import type { Database, OncallOverridesTable } from '../store/schema.js';
import { checkName, checkText, checkTime, LIMITS } from '../util/input-bounds.js';
import { ownValue } from '../util/own.js';
import { type OverrideSpan, type RotationConfig, resolveShift, rotationShiftAt } from './oncall-rotation.js';

/**
 * Who is on call: the stack file's rotations (`oncall:`) with the dated overrides of the store
 * (`oncall_overrides`) laid over them. An override wins over the rotation for its span, and the newest
 * one wins where two overlap. Times are epoch milliseconds.
 */

/** Who holds a rotation from `startsAt` until `endsAt`; `override` when a dated swap put them there. */
export interface OnCallShift {
  rotation: string;
  person: string;
  startsAt: number;
  endsAt: number;
  override?: { id: number; reason: string | null };
}

/** A dated swap: `person` covers `rotation` from `startsAt` until `endsAt`. */
export interface OnCallOverride {
  id: number;
  rotation: string;
  person: string;
  startsAt: number;
  endsAt: number;
  reason: string | null;
  createdBy: string;
  createdAt: number;
}

/** The most shifts `upcoming` answers, so no request walks a rotation without end. */
export const MAX_UPCOMING = 100;

type OverrideRow = Pick<
  OncallOverridesTable,
  'rotation' | 'person' | 'starts_at' | 'ends_at' | 'reason' | 'created_by' | 'created_at'
> & { id: number };

export class OnCall {
  readonly #db: Kysely<Database>;
  #config: Pick<StackConfig, 'oncall' | 'people'>;

  constructor(db: Kysely<Database>, config: Pick<StackConfig, 'oncall' | 'people'>) {
    this.#db = db;
    this.#config = config;
  }

  /** Takes a reloaded stack file: the next question is answered from its rotations and people. */
  reload(config: Pick<StackConfig, 'oncall' | 'people'>): void {
    this.#config = config;
  }

  /** The rotations' names, in the stack file's order. */
  rotations(): string[] {
    return Object.keys(this.#config.oncall);
  }

  /** A rotation's settings; NOT_FOUND for a name the stack file does not define. */
  rotation(name: string): RotationConfig {
    const rotation = ownValue(this.#config.oncall, name);
    if (rotation) return rotation;
    const known = this.rotations();
    throw new DayshiftError('NOT_FOUND', `no on-call rotation named "${name}"`, {
      hint:
        didYouMean(name, known) ??
        (known.length > 0 ? `rotations: ${known.join(', ')}` : 'the stack file defines no oncall rotations'),
    });
  }

  /** How a person is named in messages: `people.<key>.name`, else the key. */
  displayName(person: string): string {
    return ownValue(this.#config.people, person)?.name ?? person;
  }

  /** Who is on call for `rotation` at `at`, and over which span that holds. */
  async now(rotation: string, at: number): Promise<OnCallShift> {
    const config = this.rotation(rotation);
    checkMoment(at);
    const shift = rotationShiftAt(config, at);
    const winner = await this.#db
      .selectFrom('oncall_overrides')
      .selectAll()
      .where('rotation', '=', rotation)
      .where('starts_at', '<=', at)
      .where('ends_at', '>', at)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    const from = winner ? Number(winner.starts_at) : shift.startsAt;
    const to = winner ? Number(winner.ends_at) : shift.endsAt;
    let newer = this.#db
      .selectFrom('oncall_overrides')
      .selectAll()
      .where('rotation', '=', rotation)
      .where('starts_at', '<', to)
      .where('ends_at', '>', from);
    if (winner) newer = newer.where('id', '>', winner.id);
    const resolved = resolveShift(
      shift,
      winner ? spanOf(winner) : undefined,
      (await newer.execute()).map(spanOf),
      at,
    );
    return {
      rotation,
      person: resolved.person,
      startsAt: resolved.startsAt,
      endsAt: resolved.endsAt,
      ...(resolved.override
        ? { override: { id: resolved.override.id, reason: resolved.override.reason } }
        : {}),
    };
  }

  /** The `count` shifts that follow the one on call at `at`, in order (at most MAX_UPCOMING). */
  async upcoming(rotation: string, at: number, count: number): Promise<OnCallShift[]> {
    this.rotation(rotation);
    const out: OnCallShift[] = [];
    let cursor = (await this.now(rotation, at)).endsAt;
    for (let i = 0; i < Math.min(Math.max(0, Math.floor(count)), MAX_UPCOMING); i++) {
      const next = await this.now(rotation, cursor);
      out.push(next);
      cursor = next.endsAt;
    }
    return out;
  }

  /** Records a dated swap. The person must be one of `people:`, not necessarily a member of the rotation. */
  async addOverride(
    input: {
      rotation: string;
      person: string;
      startsAt: number;
      endsAt: number;
      reason?: string;
      createdBy: string;
    },
    now: number,
  ): Promise<OnCallOverride> {
    this.rotation(input.rotation);
    this.#checkPerson(input.person);
    checkTime(input.startsAt, now, 'the start');
    checkTime(input.endsAt, now, 'the end');
    if (!(input.endsAt > input.startsAt))
      throw new DayshiftError('BAD_REQUEST', 'an override must end after it starts', {
        hint: 'give a --to (to) later than --from (from)',
      });
    if (input.reason !== undefined) checkText(input.reason, 'the reason');
    const row = await this.#db
      .insertInto('oncall_overrides')
      .values({
        rotation: input.rotation,
        person: input.person,
        starts_at: input.startsAt,
        ends_at: input.endsAt,
        reason: input.reason ?? null,
        created_by: checkName(input.createdBy, 'who creates it'),
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return overrideOf(row);
  }

  /** Deletes an override, past, current or future; false when none has this id. */
  async removeOverride(id: number): Promise<boolean> {
    const result = await this.#db.deleteFrom('oncall_overrides').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Overrides, soonest first: of one rotation or all, and only those not ended by `from` when given. */
  async overrides(rotation?: string, from?: number): Promise<OnCallOverride[]> {
    if (rotation !== undefined) this.rotation(rotation);
    let query = this.#db.selectFrom('oncall_overrides').selectAll();
    if (rotation !== undefined) query = query.where('rotation', '=', rotation);
    if (from !== undefined) query = query.where('ends_at', '>', from);
    const rows = await query.orderBy('starts_at').orderBy('id').execute();
    return rows.map(overrideOf);
  }

  #checkPerson(person: string): void {
    checkName(person, 'the person');
    if (ownValue(this.#config.people, person)) return;
    const known = Object.keys(this.#config.people);
    throw new DayshiftError('BAD_REQUEST', `no person named "${person}" in the stack file`, {
      hint:
        didYouMean(person, known) ??
        (known.length > 0 ? `people: ${known.join(', ')}` : 'add them under people: in the stack file'),
    });
  }
}

/** A time asked about: Intl and Date answer from 2000 to 2100 without surprises, which is plenty. */
function checkMoment(at: number): void {
  if (!Number.isSafeInteger(at) || at < LIMITS.earliestMs || at >= LIMITS.latestMs)
    throw new DayshiftError('BAD_REQUEST', `the time ${at} is out of range`, {
      hint: 'ask about a time between 2000-01-01 and 2100-01-01',
    });
}

function spanOf(row: OverrideRow): OverrideSpan {
  return {
    id: Number(row.id),
    person: row.person,
    startsAt: Number(row.starts_at),
    endsAt: Number(row.ends_at),
    reason: row.reason,
  };
}

function overrideOf(row: OverrideRow): OnCallOverride {
  return {
    id: Number(row.id),
    rotation: row.rotation,
    person: row.person,
    startsAt: Number(row.starts_at),
    endsAt: Number(row.ends_at),
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}
