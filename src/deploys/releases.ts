import type { Kysely, Selectable, Updateable } from 'kysely';
import { DayshiftError } from '../errors.js';
import { scrubbed } from '../runs/scrubbed.js';
import { scrubSecrets } from '../schema/secret.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { ownValue } from '../util/own.js';
import {
  checkPinned,
  describeBriefly,
  type Release,
  type ReleaseBackup,
  type ReleaseState,
  releaseOf,
  type SettledState,
  shortTarget,
} from './release.js';
import { parseReleaseRef } from './release-ref.js';

/** What a deploy or a rollback records when it begins: a release's own fields, and who asked. */
export type BeginRelease = Pick<
  Release,
  'service' | 'kind' | 'target' | 'requested' | 'action' | 'runId' | 'previousId'
> & {
  /** Who: a user, a token, `dayshift` for what Dayshift did by itself (an automatic rollback). */
  by: string;
};

/** Where a release may be settled from: a crash settlement may resolve an interrupted one. */
const SETTLE_FROM: Readonly<Record<SettledState, readonly ReleaseState[]>> = {
  verified: ['deploying', 'interrupted'],
  failed: ['deploying', 'interrupted'],
  interrupted: ['deploying'],
};

/** How many times a change is tried again when another writer changed the row between read and write. */
const RETRIES = 20;

type Row = Selectable<Database['releases']>;

/**
 * The record of releases: begun, applied, bound to a backup, noted, settled; listed and looked up for
 * `dayshift releases`, `rollback --to`, image retention and drift. Nothing else writes `releases`.
 * Every change is one conditional update on the state and detail it read, so two writers (a deploy
 * finishing, a node settling it after a crash) never both win and a note is never lost.
 */
export class Releases {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Records a release as `deploying`; BAD_REQUEST for a target that is not pinned (a tag, a branch). */
  async begin(input: BeginRelease): Promise<Release> {
    checkPinned(input.kind, input.target);
    if (input.service === '') throw new DayshiftError('BAD_REQUEST', 'a release needs a service');
    if (input.action !== 'deploy' && input.action !== 'rollback')
      throw new DayshiftError('BAD_REQUEST', `a release is a deploy or a rollback, not ${input.action}`);
    const row = await this.#db
      .insertInto('releases')
      .values({
        service: input.service,
        kind: input.kind,
        target: input.target,
        requested: scrubSecrets(input.requested),
        action: input.action,
        run_id: input.runId,
        state: 'deploying',
        known_good: 0,
        created_by: input.by,
        created_at: this.#clock.now(),
        applied_at: null,
        finished_at: null,
        previous_id: input.previousId,
        backup: null,
        detail: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return this.#must(Number(row.id));
  }

  /** The target started running (now): from here on the service runs this release. Deploying only. */
  applied(id: number): Promise<Release> {
    return this.#change(id, (row) => {
      refuseUnlessDeploying(row, 'be applied');
      return { applied_at: this.#clock.now() };
    });
  }

  /** Binds the pre-deploy backup to a release that changes the schema (`migrates: true`). Deploying only. */
  bindBackup(id: number, backup: ReleaseBackup): Promise<Release> {
    return this.#change(id, (row) => {
      refuseUnlessDeploying(row, 'take a backup');
      return { backup: JSON.stringify({ backup: backup.backup, snapshot: backup.snapshot }) };
    });
  }

  /** Merges `detail`'s keys into the release's detail (gates, apply, verification, ...), scrubbed. */
  note(id: number, detail: Record<string, unknown>): Promise<Release> {
    return this.#change(id, (row) => ({ detail: merged(row.detail, detail) }));
  }

  /**
   * Settles a release: `verified` makes it known-good. A deploying release may become any of the
   * three; an interrupted one (its process died) only verified or failed, once a crash settlement
   * knows which release the service was left on. Anything else is refused with RUN_STATE_CONFLICT:
   * a settled release never changes, so a late writer cannot overwrite how it ended.
   */
  settle(id: number, state: SettledState, detail?: Record<string, unknown>): Promise<Release> {
    return this.#change(id, (row) => {
      const from = row.state as ReleaseState;
      const allowed = ownValue(SETTLE_FROM, state);
      if (!allowed)
        throw new DayshiftError(
          'BAD_REQUEST',
          `a release settles as verified, failed or interrupted, not ${state}`,
        );
      if (!allowed.includes(from))
        throw new DayshiftError(
          'RUN_STATE_CONFLICT',
          `release ${id} of ${row.service} is ${from}; it cannot become ${state}`,
          {
            hint: 'a deploying release can become verified, failed or interrupted, an interrupted one verified or failed; a verified or failed one never changes',
          },
        );
      return {
        state,
        finished_at: this.#clock.now(),
        ...(state === 'verified' ? { known_good: 1 } : {}),
        ...(detail === undefined ? {} : { detail: merged(row.detail, detail) }),
      };
    });
  }

  async get(id: number): Promise<Release | undefined> {
    const row = await this.#db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? releaseOf(row) : undefined;
  }

  /** Releases, newest first: of one service, or of all. */
  async list(service?: string, options: { limit?: number } = {}): Promise<Release[]> {
    let query = this.#db.selectFrom('releases').selectAll();
    if (service !== undefined) query = query.where('service', '=', service);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(options.limit ?? 50)
      .execute();
    return rows.map(releaseOf);
  }

  /** The releases a run recorded (a deploy's, and the rollback's in the same run), oldest first. */
  async ofRun(runId: number): Promise<Release[]> {
    const rows = await this.#db
      .selectFrom('releases')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('id')
      .execute();
    return rows.map(releaseOf);
  }

  /** The releases of several runs, oldest first. */
  async ofRuns(runIds: readonly number[]): Promise<Release[]> {
    if (runIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('releases')
      .selectAll()
      .where('run_id', 'in', [...runIds])
      .orderBy('id')
      .execute();
    return rows.map(releaseOf);
  }

  /**
   * A value that changes whenever a release is begun or settled: one cheap query an alert origin
   * polls to know when to look again.
   */
  async newestChange(): Promise<string> {
    const row = await this.#db
      .selectFrom('releases')
      .select((eb) => [eb.fn.max('id').as('id'), eb.fn.max('finished_at').as('finished')])
      .executeTakeFirst();
    return `${row?.id ?? 0}:${row?.finished ?? 0}`;
  }

  /** Releases not settled yet (deploying, or interrupted by a crash), oldest first. */
  async unsettled(service?: string): Promise<Release[]> {
    let query = this.#db
      .selectFrom('releases')
      .selectAll()
      .where('state', 'in', ['deploying', 'interrupted']);
    if (service !== undefined) query = query.where('service', '=', service);
    return (await query.orderBy('id').execute()).map(releaseOf);
  }

  /**
   * The release the service runs now: the newest one whose target was applied, whatever its state.
   * - A verified release is live until another is applied after it.
   * - A deploying (or interrupted) release that was applied is live: its target is what runs, healthy
   *   or not yet known; before it is applied, the one before it still runs.
   * - A failed release that was applied is live only while nothing was applied after it: an automatic
   *   rollback is a release of its own (action `rollback`) whose apply makes it the live one, so a
   *   failed release that is still the newest applied was left in place (`rollback: manual`, or the
   *   rollback did not get as far as applying). Saying the older release runs then would be a lie.
   * - A release that failed before its apply (a gate, the pull) never ran, and is never live.
   * "Newest" is by id, not by time: deploys of a service are one at a time, so ids follow the order
   * they were applied in, and clocks of different nodes do not matter. Undefined: nothing recorded.
   * Whoever puts an older target back in place must record it as a release and apply it.
   */
  async live(service: string): Promise<Release | undefined> {
    const row = await this.#db
      .selectFrom('releases')
      .selectAll()
      .where('service', '=', service)
      .where('applied_at', 'is not', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? releaseOf(row) : undefined;
  }

  /** The newest known-good release whose target is not `except` (the one failing now): where a rollback goes. */
  async lastKnownGood(service: string, options: { except?: string } = {}): Promise<Release | undefined> {
    let query = this.#db
      .selectFrom('releases')
      .selectAll()
      .where('service', '=', service)
      .where('known_good', '=', 1);
    if (options.except !== undefined) query = query.where('target', '!=', options.except);
    const row = await query.orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? releaseOf(row) : undefined;
  }

  /**
   * The targets of the newest known-good releases, newest first, at most `n` different ones: a target
   * deployed twice counts once, so retention keeps `n` images and a rollback to any of them is a start.
   */
  async knownGoodTargets(service: string, n: number): Promise<string[]> {
    if (n < 1) return [];
    const rows = await this.#db
      .selectFrom('releases')
      .select((eb) => ['target', eb.fn.max('id').as('newest')])
      .where('service', '=', service)
      .where('known_good', '=', 1)
      .groupBy('target')
      .orderBy('newest', 'desc')
      .limit(n)
      .execute();
    return rows.map((r) => r.target);
  }

  /**
   * The release `ref` names, for `dayshift rollback --to`: an id (`12`, `#12`), a digest or commit
   * prefix, or the tag or ref requested (release-ref.ts). Of several releases of one target, the newest
   * known-good one (else the newest). NOT_FOUND, listing the service's recent releases, when none
   * matches; BAD_REQUEST when the text names several targets, listing them.
   */
  async find(service: string, ref: string): Promise<Release> {
    const query = parseReleaseRef(ref);
    if (query.id !== undefined) {
      const byId = await this.get(query.id);
      if (byId && byId.service === service) return byId;
    }
    const matches = query.matches;
    if (matches) {
      const rows = await this.#db
        .selectFrom('releases')
        .select(['id', 'target', 'requested', 'known_good'])
        .where('service', '=', service)
        .orderBy('id', 'desc')
        .execute();
      const hits = rows.filter((r) => matches(r));
      const targets = [...new Set(hits.map((r) => r.target))];
      if (targets.length > 1)
        throw new DayshiftError(
          'BAD_REQUEST',
          `\`${ref}\` names ${targets.length} targets of ${service}; name one release`,
          {
            hint: targets
              .map((t) => {
                const newest = hits.find((r) => r.target === t);
                return `#${newest?.id} ${shortTarget(t)}`;
              })
              .join(', '),
          },
        );
      const chosen = hits.find((r) => Number(r.known_good) === 1) ?? hits[0];
      if (chosen) return this.#must(Number(chosen.id));
    }
    const recent = await this.list(service, { limit: 5 });
    throw new DayshiftError('NOT_FOUND', `no release of ${service} is \`${ref}\``, {
      hint:
        recent.length === 0
          ? `${service} has no releases yet`
          : `recent releases of ${service}: ${recent.map(describeBriefly).join('; ')}`,
    });
  }

  /**
   * Applies `change` to a release in one conditional update on the state and detail it read: when
   * another writer changed either in between, it reads again and decides again.
   */
  async #change(id: number, change: (row: Row) => Updateable<Database['releases']>): Promise<Release> {
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const row = await this.#row(id);
      const set = change(row);
      let update = this.#db
        .updateTable('releases')
        .set(set)
        .where('id', '=', id)
        .where('state', '=', row.state);
      update =
        row.detail === null ? update.where('detail', 'is', null) : update.where('detail', '=', row.detail);
      const result = await update.executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) return this.#must(id);
    }
    throw new DayshiftError('STORE_UNAVAILABLE', `release ${id} kept changing under this write`, {
      hint: 'another process is writing this release; try again',
    });
  }

  async #row(id: number): Promise<Row> {
    const row = await this.#db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new DayshiftError('NOT_FOUND', `there is no release ${id}`);
    return row;
  }

  async #must(id: number): Promise<Release> {
    return releaseOf(await this.#row(id));
  }
}

function refuseUnlessDeploying(row: Row, what: string): void {
  if (row.state === 'deploying') return;
  throw new DayshiftError(
    'RUN_STATE_CONFLICT',
    `release ${row.id} of ${row.service} is ${row.state}; only a deploying release can ${what}`,
    { hint: 'begin a new release' },
  );
}

/** The stored detail with `more`'s keys over it, scrubbed of secrets, as JSON text. */
function merged(stored: string | null, more: Record<string, unknown>): string {
  const before = stored ? (JSON.parse(stored) as Record<string, unknown>) : {};
  return JSON.stringify(scrubbed({ ...before, ...more }));
}
