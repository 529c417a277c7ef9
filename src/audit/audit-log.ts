import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { type AuditAction, type AuditEntry, resultOf, scrubParams } from './entry.js';

/** A stored entry, as `dayshift audit` and `GET /api/v1/audit` show it. */
export interface AuditRecord {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  params: Record<string, unknown>;
  result: string;
  runId: number | null;
}

export interface AuditFilter {
  actor?: string;
  /** An exact action, or a prefix ending in `.` or `*` (`backup.` / `backup.*`: every backup action). */
  action?: string;
  target?: string;
  since?: number;
  until?: number;
  /** Only entries with a smaller id (paging, newest first). */
  before?: number;
  limit?: number;
}

export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 1000;

/**
 * Appends one entry. The only write the audit log has: there is no update or delete in code, and the
 * store's triggers refuse them (migration 014).
 */
export async function appendAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      params: scrubParams(entry.params),
      result: entry.result,
      run_id: entry.runId ?? null,
    })
    .execute();
}

/**
 * What only the action's outcome says: the run it started, what it created, and a result other than
 * `ok` for work that reports failure without throwing (a drill whose assertions failed).
 */
export type AuditOutcome = Partial<Pick<AuditEntry, 'runId' | 'target' | 'result' | 'params'>>;

/**
 * What `work` may tell its entry while it runs: the run it opened, named in the entry however the
 * work ends (a failed action's entry still points at the run that recorded how it failed).
 */
export interface AuditNote {
  run(id: number): void;
}

/**
 * Runs `work` and records it with its result, failed and refused attempts included; the work's own
 * error is rethrown untouched. `outcome` reads the run the work started (or the thing it created)
 * from what it returned; the work may name its run sooner through the note it is handed.
 */
export async function audited<T>(
  db: Kysely<Database>,
  clock: Clock,
  action: AuditAction,
  work: (note: AuditNote) => Promise<T>,
  outcome?: (value: T) => AuditOutcome,
): Promise<T> {
  let runId: number | undefined;
  const noted = () => (runId === undefined ? {} : { runId });
  let value: T;
  try {
    value = await work({
      run: (id) => {
        runId = id;
      },
    });
  } catch (error) {
    await appendAudit(db, { ...action, ...noted(), at: clock.now(), result: resultOf(error) });
    throw error;
  }
  await appendAudit(db, { ...action, ...noted(), result: 'ok', ...outcome?.(value), at: clock.now() });
  return value;
}

/** Entries, newest first, that match every filter given. */
export async function listAudit(db: Kysely<Database>, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
  if (filter.action !== undefined) {
    const prefix = /[.*]$/.test(filter.action) ? filter.action.replace(/\*$/, '') : undefined;
    query = prefix
      ? // A range, not LIKE: SQLite's LIKE has no default escape character for `_`.
        query.where('action', '>=', prefix).where('action', '<', `${prefix}\uffff`)
      : query.where('action', '=', filter.action);
  }
  if (filter.target !== undefined) query = query.where('target', '=', filter.target);
  if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('at', '<', filter.until);
  if (filter.before !== undefined) query = query.where('id', '<', filter.before);
  const limit = Math.min(filter.limit ?? AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT);
  const rows = await query.orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: Number(r.at),
    actor: r.actor,
    action: r.action,
    target: r.target,
    params: JSON.parse(r.params) as Record<string, unknown>,
    result: r.result,
    runId: r.run_id === null ? null : Number(r.run_id),
  }));
}
