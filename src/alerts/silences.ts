import type { Kysely } from 'kysely';
import { DayshiftError } from '../errors.js';
import type { Database } from '../store/schema.js';
import { checkItems, checkText, checkTime, LIMITS } from '../util/input-bounds.js';
import type { Matcher, Silence } from './types.js';

const MATCHER = /^\s*([A-Za-z_][\w.-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** The label an alert's origin had before it was called `origin`. */
const RENAMED_LABEL = { from: 'source', to: 'origin' } as const;

/** `service=backend`, `severity!=low`, `alertname=~api-.*`: a label, an operator and a value. */
export function parseMatcher(text: string): Matcher {
  checkText(text, 'a matcher', LIMITS.expression);
  const m = MATCHER.exec(text);
  if (!m)
    throw new DayshiftError('BAD_REQUEST', `"${text}" is not a matcher`, {
      hint: 'write label=value, label!=value, label=~regex or label!~regex, e.g. service=backend',
    });
  const [, name, op, raw] = m as unknown as [string, string, Matcher['op'], string];
  // Stored silences were migrated to the new name; a new one on the old name would be about a label
  // no alert carries, so it would quietly hold back nothing (or, negated, everything).
  if (name === RENAMED_LABEL.from)
    throw new DayshiftError(
      'BAD_REQUEST',
      `"${text}" matches the label "${RENAMED_LABEL.from}", which is now called "${RENAMED_LABEL.to}"`,
      {
        hint: `write ${RENAMED_LABEL.to}${op}${raw} (an alert's origin is check, rule, missed, delivery or backup)`,
      },
    );
  const value = raw.replace(/^(["'])(.*)\1$/, '$2');
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(`^(?:${value})$`);
    } catch (error) {
      throw new DayshiftError('BAD_REQUEST', `the regular expression in "${text}" does not compile`, {
        hint: (error as Error).message,
        cause: error,
      });
    }
  }
  return { name, op, value };
}

export function matchesAll(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => matches(m, labels[m.name] ?? ''));
}

/** A label that is absent matches as the empty string, as Alertmanager's matchers do. */
function matches(m: Matcher, actual: string): boolean {
  if (m.op === '=') return actual === m.value;
  if (m.op === '!=') return actual !== m.value;
  const hit = new RegExp(`^(?:${m.value})$`).test(actual);
  return m.op === '=~' ? hit : !hit;
}

export interface NewSilence {
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment?: string;
}

/** Silences hold back the notifications of the alerts they match until they expire. */
export class Silences {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(input: NewSilence, now: number): Promise<Silence> {
    if (input.matchers.length === 0)
      throw new DayshiftError('BAD_REQUEST', 'a silence needs at least one matcher', {
        hint: 'for example --match service=backend or --match alertname=api-slow',
      });
    checkItems(input.matchers, 'the silence');
    checkTime(input.startsAt, now, 'the start');
    checkTime(input.endsAt, now, 'the end');
    if (input.comment !== undefined) checkText(input.comment, 'the comment');
    if (!(input.endsAt > input.startsAt))
      throw new DayshiftError('BAD_REQUEST', 'a silence must end after it starts', {
        hint: 'give a positive duration such as --for 2h',
      });
    const row = await this.#db
      .insertInto('silences')
      .values({
        matchers: JSON.stringify(input.matchers),
        starts_at: input.startsAt,
        ends_at: input.endsAt,
        created_by: input.createdBy,
        comment: input.comment ?? null,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSilence(row);
  }

  /** Active at `now` (or every one not yet expired with `includeFuture`), newest first. */
  async list(now: number, options: { all?: boolean } = {}): Promise<Silence[]> {
    let query = this.#db.selectFrom('silences').selectAll();
    if (!options.all) query = query.where('ends_at', '>', now);
    const rows = await query.orderBy('id', 'desc').limit(500).execute();
    return rows.map(toSilence);
  }

  async active(now: number): Promise<Silence[]> {
    const rows = await this.#db
      .selectFrom('silences')
      .selectAll()
      .where('starts_at', '<=', now)
      .where('ends_at', '>', now)
      .execute();
    return rows.map(toSilence);
  }

  /** Ends a silence now; false when there is no such silence or it had already ended. */
  async expire(id: number, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('silences')
      .set({ ends_at: now })
      .where('id', '=', id)
      .where('ends_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

function toSilence(row: {
  id: number;
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string | null;
  created_at: number;
}): Silence {
  return {
    id: Number(row.id),
    matchers: JSON.parse(row.matchers) as Matcher[],
    startsAt: Number(row.starts_at),
    endsAt: Number(row.ends_at),
    createdBy: row.created_by,
    comment: row.comment,
    createdAt: Number(row.created_at),
  };
}
