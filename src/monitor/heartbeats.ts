import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { HeartbeatPings, HeartbeatReader } from '../checks/types.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';

/** What a job reports to its heartbeat URL: done (`/ping/<token>`), started, or failed. */
export type PingKind = 'ok' | 'start' | 'fail';

/**
 * The push side of heartbeat checks, as Healthchecks does it: each heartbeat check has a URL with a
 * secret token; a cron job calls it when it finishes, `/start` when it begins and `/fail` when it fails.
 * Tokens are made once per check and kept in the store, or taken from the check's `token:` option.
 */
export class HeartbeatStore implements HeartbeatReader {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Makes sure each heartbeat check has a row and a token; a configured token replaces a made one. */
  async ensure(checks: ReadonlyArray<{ id: string; token?: string }>): Promise<void> {
    if (checks.length === 0) return;
    const now = this.#clock.now();
    const existing = new Map(
      (
        await this.#db
          .selectFrom('heartbeats')
          .select(['check_id', 'token'])
          .where(
            'check_id',
            'in',
            checks.map((c) => c.id),
          )
          .execute()
      ).map((r) => [r.check_id, r.token]),
    );
    for (const check of checks) {
      const have = existing.get(check.id);
      if (have === undefined) {
        await this.#db
          .insertInto('heartbeats')
          .values({ check_id: check.id, token: check.token ?? newToken(), created_at: now, pings: 0 })
          .onConflict((oc) => oc.column('check_id').doNothing())
          .execute();
      } else if (check.token !== undefined && check.token !== have) {
        await this.#db
          .updateTable('heartbeats')
          .set({ token: check.token })
          .where('check_id', '=', check.id)
          .execute();
      }
    }
  }

  async pings(checkId: string): Promise<HeartbeatPings | undefined> {
    const row = await this.#db
      .selectFrom('heartbeats')
      .selectAll()
      .where('check_id', '=', checkId)
      .executeTakeFirst();
    if (!row) return undefined;
    const out: HeartbeatPings = { createdAt: Number(row.created_at) };
    if (row.last_ping_at !== null) out.lastPingAt = Number(row.last_ping_at);
    if (row.last_start_at !== null) out.lastStartAt = Number(row.last_start_at);
    if (row.last_fail_at !== null) out.lastFailAt = Number(row.last_fail_at);
    return out;
  }

  async tokenOf(checkId: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('heartbeats')
      .select('token')
      .where('check_id', '=', checkId)
      .executeTakeFirst();
    return row?.token;
  }

  /** Records a ping; returns the check it belongs to, or undefined for an unknown token. */
  async ping(token: string, kind: PingKind): Promise<string | undefined> {
    const now = this.#clock.now();
    const column = kind === 'ok' ? 'last_ping_at' : kind === 'start' ? 'last_start_at' : 'last_fail_at';
    const row = await this.#db
      .updateTable('heartbeats')
      .set((eb) => ({ [column]: now, pings: eb('pings', '+', 1) }))
      .where('token', '=', token)
      .returning('check_id')
      .executeTakeFirst();
    return row?.check_id;
  }
}

function newToken(): string {
  return randomBytes(18).toString('base64url');
}
