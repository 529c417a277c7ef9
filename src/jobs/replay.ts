import { type Kysely, sql } from 'kysely';
import { DayshiftError } from '../errors.js';
import type { Database, Store } from '../store/index.js';

/** What a replay did: the failed jobs it put back in the queue, and the ones it left failed, with why. */
export interface ReplayReport {
  /** How many jobs were queued again (the length of `replayedIds`; kept a number for older clients). */
  replayed: number;
  replayedIds: number[];
  skipped: ReplaySkip[];
}

/** A failed job a replay left failed because another job holds, or is given, its unique key. */
export interface ReplaySkip {
  id: number;
  kind: string;
  uniqueKey: string;
  reason: string;
}

/** How many ids one batched update names; well under every backend's bound on parameters. */
const BATCH = 500;
const LIVE: readonly string[] = ['queued', 'running'];

interface FailedRow {
  id: number;
  kind: string;
  uniqueKey: string;
}

/**
 * Puts failed jobs (of one kind, if given) back in the queue with fresh attempts. Jobs without a unique
 * key all go back. Of the failed jobs sharing a unique key at most one can (the partial unique index
 * allows one queued or running job per key): the newest, and only when no queued or running job holds
 * the key; the others are reported as skipped.
 *
 * It runs in the store's exclusive transaction, so nothing on SQLite writes between the read and the
 * update. On a store with concurrent writers another node may still queue a job with one of the keys
 * meanwhile; each batch of updates runs under a savepoint, and a batch that meets a unique violation is
 * rolled back to it and redone one job at a time, reporting the job that took the key.
 */
export async function replayFailedJobs(
  store: Store,
  now: number,
  filter: { kind?: string } = {},
): Promise<ReplayReport> {
  try {
    return await store.caps.exclusive(store.db, (trx) => replayIn(trx, now, filter));
  } catch (error) {
    if (error instanceof DayshiftError) throw error;
    throw new DayshiftError(
      'STORE_UNAVAILABLE',
      `replaying failed jobs did not complete in the store ${store.description}; nothing was replayed`,
      {
        cause: error,
        hint: 'check that the store is reachable, then replay again (a replay is safe to repeat)',
      },
    );
  }
}

async function replayIn(
  trx: Kysely<Database>,
  now: number,
  filter: { kind?: string },
): Promise<ReplayReport> {
  const requeue = {
    status: 'queued',
    run_at: now,
    attempts: 0,
    finished_at: null,
    lease_owner: null,
    lease_expires_at: null,
  } as const;
  let unkeyed = trx
    .updateTable('jobs')
    .set(requeue)
    .where('status', '=', 'failed')
    .where('unique_key', 'is', null);
  if (filter.kind) unkeyed = unkeyed.where('kind', '=', filter.kind);
  const replayedIds = (await unkeyed.returning('id').execute()).map((r) => Number(r.id));

  let keyedQuery = trx
    .selectFrom('jobs')
    .select(['id', 'kind', 'unique_key'])
    .where('status', '=', 'failed')
    .where('unique_key', 'is not', null);
  if (filter.kind) keyedQuery = keyedQuery.where('kind', '=', filter.kind);
  const keyed = (await keyedQuery.orderBy('id', 'desc').execute()).map(
    (r): FailedRow => ({ id: Number(r.id), kind: r.kind, uniqueKey: r.unique_key ?? '' }),
  );
  const groups = new Map<string, FailedRow[]>();
  for (const row of keyed) {
    const group = groups.get(row.uniqueKey);
    if (group) group.push(row);
    else groups.set(row.uniqueKey, [row]);
  }

  const holders = await liveHolders(trx, [...groups.keys()]);
  const skipped: ReplaySkip[] = [];
  const chosen: FailedRow[] = [];
  for (const [key, group] of groups) {
    const holder = holders.get(key);
    if (holder) skipped.push(...heldBy(group, holder));
    else chosen.push(group[0]!);
  }

  const update = (ids: number[]) =>
    trx
      .updateTable('jobs')
      .set(requeue)
      .where('id', 'in', ids)
      .where('status', '=', 'failed')
      .returning('id')
      .execute();
  for (let i = 0; i < chosen.length; i += BATCH) {
    const batch = chosen.slice(i, i + BATCH);
    const done = await underSavepoint(trx, () => update(batch.map((r) => r.id)));
    const updated = new Set((done.value ?? []).map((r) => Number(r.id)));
    for (const row of batch) {
      const group = groups.get(row.uniqueKey)!;
      if (updated.has(row.id)) {
        replayedIds.push(row.id);
        skipped.push(...replayedInstead(group.slice(1), row.id));
        continue;
      }
      // The batch was rolled back, or this job changed meanwhile: settle this key on its own.
      const one = await underSavepoint(trx, () => update([row.id]));
      if (one.value?.length) {
        replayedIds.push(row.id);
        skipped.push(...replayedInstead(group.slice(1), row.id));
        continue;
      }
      const holder = (await liveHolders(trx, [row.uniqueKey])).get(row.uniqueKey);
      if (holder) {
        skipped.push(...heldBy(group, holder));
        continue;
      }
      if (one.error !== undefined) {
        throw new DayshiftError(
          'STORE_UNAVAILABLE',
          `the store refused to queue job ${row.id} (unique key ${row.uniqueKey}) again, and no other job holds the key; nothing was replayed`,
          { cause: one.error, hint: 'look at the cause and the store server’s log, then replay again' },
        );
      }
      skipped.push(
        ...group.map((r) => ({ ...r, reason: `job #${row.id} changed while the replay ran; replay again` })),
      );
    }
  }
  return { replayed: replayedIds.length, replayedIds, skipped };
}

/** The queued or running job holding each key, if any (at most one per key, by the unique index). */
async function liveHolders(
  trx: Kysely<Database>,
  keys: string[],
): Promise<Map<string, { id: number; status: string }>> {
  const holders = new Map<string, { id: number; status: string }>();
  for (let i = 0; i < keys.length; i += BATCH) {
    const rows = await trx
      .selectFrom('jobs')
      .select(['id', 'status', 'unique_key'])
      .where('status', 'in', LIVE)
      .where('unique_key', 'in', keys.slice(i, i + BATCH))
      .execute();
    for (const r of rows) if (r.unique_key) holders.set(r.unique_key, { id: Number(r.id), status: r.status });
  }
  return holders;
}

function heldBy(group: FailedRow[], holder: { id: number; status: string }): ReplaySkip[] {
  return group
    .filter((r) => r.id !== holder.id)
    .map((r) => ({
      ...r,
      reason: `a job with unique key ${r.uniqueKey} is already ${holder.status}: #${holder.id}`,
    }));
}

function replayedInstead(older: FailedRow[], replayedId: number): ReplaySkip[] {
  return older.map((r) => ({
    ...r,
    reason: `a newer failed job with unique key ${r.uniqueKey} was replayed instead: #${replayedId}`,
  }));
}

/**
 * Runs `fn` under a savepoint; on an error, rolls back to it (so the transaction stays usable, which
 * PostgreSQL needs after a failed statement) and hands the error back. Both stores speak this SQL.
 */
async function underSavepoint<T>(
  trx: Kysely<Database>,
  fn: () => Promise<T>,
): Promise<{ value?: T; error?: unknown }> {
  await sql`savepoint dayshift_replay`.execute(trx);
  try {
    const value = await fn();
    await sql`release savepoint dayshift_replay`.execute(trx);
    return { value };
  } catch (error) {
    await sql`rollback to savepoint dayshift_replay`.execute(trx);
    await sql`release savepoint dayshift_replay`.execute(trx);
    return { error };
  }
}
