import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { HeartbeatPings, HeartbeatReader } from '../checks/types.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';

/** What a job reports to its heartbeat URL: done, failed, started, or only a log line. */
export type PingKind = 'success' | 'fail' | 'start' | 'log';

/** One ping as it arrived: its kind, and the exit status, run id and body it carried. */
export interface PingSignal {
  kind: PingKind;
  /** `/ping/<token>/<0-255>`: 0 is a success, any other status a failure. */
  exitStatus?: number;
  /** `?rid=`: pairs a finish with its own start when runs overlap. */
  rid?: string;
  method: string;
  /** The body, already cut to the limit and scrubbed. */
  body: string;
  /** The body's size as sent. */
  bodyBytes: number;
}

/** A ping of the log, as the API shows it. */
export interface PingRecord {
  at: number;
  kind: PingKind;
  exitStatus: number | null;
  rid: string | null;
  method: string;
  body: string;
  bodyBytes: number;
  durationMs: number | null;
}

/** Healthchecks pairs a finish with a start at most this far back. */
const MAX_DURATION_MS = 72 * 3_600_000;
/** Pings kept per check, as Healthchecks' default ping log limit. */
export const PINGS_KEPT = 100;

/**
 * The push side of heartbeat checks, as Healthchecks does it: each heartbeat check has a URL with a
 * secret token; a cron job calls it when it finishes, `/start` when it begins and `/fail` when it fails.
 * Tokens are made once per check and kept in the store, or taken from the check's `token:` option.
 * Every ping is logged with its body; the check's row keeps what its verdict needs.
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
    if (row.last_duration_ms !== null) out.lastDurationMs = Number(row.last_duration_ms);
    if (row.last_fail_at !== null) {
      out.lastFailAt = Number(row.last_fail_at);
      if (out.lastFailAt >= (out.lastPingAt ?? 0)) {
        const fail = await this.#db
          .selectFrom('heartbeat_pings')
          .select(['exit_status', 'body'])
          .where('check_id', '=', checkId)
          .where('kind', '=', 'fail')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst();
        out.lastFailure = { body: fail?.body ?? '' };
        if (fail && fail.exit_status !== null) out.lastFailure.exitStatus = Number(fail.exit_status);
      }
    }
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

  /** The check a token belongs to, if any. */
  async checkOf(token: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('heartbeats')
      .select('check_id')
      .where('token', '=', token)
      .executeTakeFirst();
    return row?.check_id;
  }

  /** The newest pings of a check, newest first. */
  async recent(checkId: string, limit: number): Promise<PingRecord[]> {
    const rows = await this.#db
      .selectFrom('heartbeat_pings')
      .selectAll()
      .where('check_id', '=', checkId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      at: Number(r.at),
      kind: r.kind as PingKind,
      exitStatus: r.exit_status === null ? null : Number(r.exit_status),
      rid: r.rid,
      method: r.method,
      body: r.body,
      bodyBytes: Number(r.body_bytes),
      durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    }));
  }

  /**
   * Records a ping of a check and logs it; returns false when the check has no heartbeat row. As
   * Healthchecks does: a start opens a run; a finish (success or failure) takes its duration from the
   * latest start of the same run id with no finish of that id since, and closes the open run when the
   * ids match, or when it is a failure or carries no run id; a log ping changes nothing but the log.
   */
  async ping(checkId: string, signal: PingSignal): Promise<boolean> {
    const now = this.#clock.now();
    return this.#db.transaction().execute(async (trx) => {
      // The increment takes the row's lock first, so two pings of one check are recorded one at a time.
      const row = await trx
        .updateTable('heartbeats')
        .set((eb) => ({ pings: eb('pings', '+', 1) }))
        .where('check_id', '=', checkId)
        .returning(['pings', 'last_start_at', 'last_start_rid'])
        .executeTakeFirst();
      if (!row) return false;
      const rid = signal.rid ?? null;
      let duration: number | null = null;
      if (signal.kind === 'start') {
        await trx
          .updateTable('heartbeats')
          .set({ last_start_at: now, last_start_rid: rid })
          .where('check_id', '=', checkId)
          .execute();
      } else if (signal.kind !== 'log') {
        duration = await durationOf(trx, checkId, rid, now);
        const open = row.last_start_at !== null;
        const closes = open && (row.last_start_rid === rid || signal.kind === 'fail' || rid === null);
        await trx
          .updateTable('heartbeats')
          .set({
            // A success ends a failure even within the same millisecond: it is no longer the last word.
            ...(signal.kind === 'success'
              ? { last_ping_at: now, last_fail_at: null }
              : { last_fail_at: now }),
            last_duration_ms: duration,
            ...(closes ? { last_start_at: null, last_start_rid: null } : {}),
          })
          .where('check_id', '=', checkId)
          .execute();
      }
      await trx
        .insertInto('heartbeat_pings')
        .values({
          check_id: checkId,
          at: now,
          kind: signal.kind,
          exit_status: signal.exitStatus ?? null,
          rid,
          method: signal.method,
          body: signal.body,
          body_bytes: signal.bodyBytes,
          duration_ms: duration,
        })
        .execute();
      if (Number(row.pings) % PINGS_KEPT === 0) await prune(trx, checkId);
      return true;
    });
  }
}

/** A finish's duration: back to the latest start of its run id, unless a finish of that id came between. */
async function durationOf(
  trx: Transaction<Database>,
  checkId: string,
  rid: string | null,
  now: number,
): Promise<number | null> {
  let query = trx
    .selectFrom('heartbeat_pings')
    .select(['kind', 'at'])
    .where('check_id', '=', checkId)
    .where('at', '>=', now - MAX_DURATION_MS)
    .where('kind', '!=', 'log')
    .orderBy('id', 'desc')
    .limit(1);
  query = rid === null ? query.where('rid', 'is', null) : query.where('rid', '=', rid);
  const previous = await query.executeTakeFirst();
  return previous?.kind === 'start' ? now - Number(previous.at) : null;
}

/** Keeps the newest pings of a check and deletes the rest. */
async function prune(trx: Transaction<Database>, checkId: string): Promise<void> {
  const oldestKept = await trx
    .selectFrom('heartbeat_pings')
    .select('id')
    .where('check_id', '=', checkId)
    .orderBy('id', 'desc')
    .offset(PINGS_KEPT - 1)
    .limit(1)
    .executeTakeFirst();
  if (oldestKept)
    await trx
      .deleteFrom('heartbeat_pings')
      .where('check_id', '=', checkId)
      .where('id', '<', oldestKept.id)
      .execute();
}

function newToken(): string {
  return randomBytes(18).toString('base64url');
}
