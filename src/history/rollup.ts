import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { Accumulator, type RollupRow } from './accumulator.js';
import { floorTo, PERIOD_MS, RESOLUTIONS, type Resolution, SOURCE_OF } from './resolutions.js';
import { advanceWatermark, readWatermarks } from './watermarks.js';

export const ROLLUP_DEFAULTS = {
  /** Samples arrive in batches a few seconds late; a minute is rolled up this long after it closes. */
  settleMs: 120_000,
  /** Most source rows held in memory at once. */
  readBudget: 50_000,
  /** Check ids per `in (...)` list: far below SQLite's and PostgreSQL's parameter limits. */
  idsPerRead: 1_000,
  /** Rows per multi-row upsert: 9 parameters each stays under every parameter limit. */
  writeChunk: 500,
} as const;

/**
 * The widest range one step reads and writes before moving its watermark. A backlog (a node down for a
 * day) is then done in steps that each leave progress behind, and a group-by never covers more than
 * about an hour of raw samples of every check.
 */
const MAX_SPAN_MS: Readonly<Record<Resolution, number>> = {
  m: 3_600_000,
  h: 6 * 3_600_000,
  d: 7 * 86_400_000,
};

export interface RollupOptions {
  clock: Clock;
  settleMs?: number;
  signal?: AbortSignal;
  readBudget?: number;
  writeChunk?: number;
}

export interface RollupReport {
  /** Rows written per resolution, and how far each is now rolled up (null: nothing to roll up yet). */
  m: { rows: number; until: number | null };
  h: { rows: number; until: number | null };
  d: { rows: number; until: number | null };
}

/**
 * Rolls up every closed period not rolled up yet: raw samples into minutes once a minute is older than
 * the settle delay, minutes into hours and hours into days once all their finer periods are final.
 * Rows are upserted, so running a period again (two nodes at once, a crash before the watermark moved)
 * writes the same rows.
 */
export async function rollUp(db: Kysely<Database>, options: RollupOptions): Promise<RollupReport> {
  const settleMs = options.settleMs ?? ROLLUP_DEFAULTS.settleMs;
  const report = {} as RollupReport;
  let limit: number | undefined = options.clock.now() - settleMs;
  for (const resolution of RESOLUTIONS) {
    const level: { rows: number; until: number | null } =
      limit === undefined ? { rows: 0, until: null } : await rollLevel(db, resolution, limit, options);
    report[resolution] = level;
    // A coarser period is final only when every finer period in it is.
    limit = level.until ?? undefined;
  }
  return report;
}

async function rollLevel(
  db: Kysely<Database>,
  resolution: Resolution,
  limit: number,
  options: RollupOptions,
): Promise<{ rows: number; until: number | null }> {
  const period = PERIOD_MS[resolution];
  const closed = floorTo(limit, period);
  let from = (await readWatermarks(db))[resolution];
  let rows = 0;
  while (from === undefined || from < closed) {
    options.signal?.throwIfAborted();
    const first = await firstSourceTime(db, resolution, from, closed);
    if (first === undefined) {
      await advanceWatermark(db, resolution, closed);
      return { rows, until: closed };
    }
    const start = Math.max(from ?? Number.NEGATIVE_INFINITY, floorTo(first, period));
    const end = Math.min(closed, start + MAX_SPAN_MS[resolution]);
    rows += await rollSpan(db, resolution, start, end, options);
    await advanceWatermark(db, resolution, end);
    from = end;
  }
  return { rows, until: from };
}

/** The time of the oldest source row in [from, to): empty ranges are skipped, not walked. */
async function firstSourceTime(
  db: Kysely<Database>,
  resolution: Resolution,
  from: number | undefined,
  to: number,
): Promise<number | undefined> {
  const source = SOURCE_OF[resolution];
  const row =
    source === 'raw'
      ? await db
          .selectFrom('check_samples')
          .select((eb) => eb.fn.min('at').as('first'))
          .where('at', '<', to)
          .$if(from !== undefined, (q) => q.where('at', '>=', from ?? 0))
          .executeTakeFirst()
      : await db
          .selectFrom('check_rollups')
          .select((eb) => eb.fn.min('start').as('first'))
          .where('resolution', '=', source)
          .where('start', '<', to)
          .$if(from !== undefined, (q) => q.where('start', '>=', from ?? 0))
          .executeTakeFirst();
  return row?.first === null || row?.first === undefined ? undefined : Number(row.first);
}

/** Rolls up the periods of [from, to), reading the checks in groups that fit the read budget. */
async function rollSpan(
  db: Kysely<Database>,
  resolution: Resolution,
  from: number,
  to: number,
  options: RollupOptions,
): Promise<number> {
  const budget = options.readBudget ?? ROLLUP_DEFAULTS.readBudget;
  const perCheck = await rowsPerCheck(db, resolution, from, to);
  let written = 0;
  let group: string[] = [];
  let groupRows = 0;
  const flush = async () => {
    if (group.length === 0) return;
    options.signal?.throwIfAborted();
    const rows = await aggregate(db, resolution, group, from, to);
    await upsertRollups(db, rows, options.writeChunk ?? ROLLUP_DEFAULTS.writeChunk);
    written += rows.length;
    group = [];
    groupRows = 0;
  };
  for (const { checkId, rows } of perCheck) {
    if (group.length > 0 && (groupRows + rows > budget || group.length >= ROLLUP_DEFAULTS.idsPerRead)) {
      await flush();
    }
    group.push(checkId);
    groupRows += rows;
  }
  await flush();
  return written;
}

async function rowsPerCheck(
  db: Kysely<Database>,
  resolution: Resolution,
  from: number,
  to: number,
): Promise<{ checkId: string; rows: number }[]> {
  const source = SOURCE_OF[resolution];
  const found =
    source === 'raw'
      ? await db
          .selectFrom('check_samples')
          .select((eb) => ['check_id', eb.fn.countAll().as('n')])
          .where('at', '>=', from)
          .where('at', '<', to)
          .groupBy('check_id')
          .orderBy('check_id')
          .execute()
      : await db
          .selectFrom('check_rollups')
          .select((eb) => ['check_id', eb.fn.countAll().as('n')])
          .where('resolution', '=', source)
          .where('start', '>=', from)
          .where('start', '<', to)
          .groupBy('check_id')
          .orderBy('check_id')
          .execute();
  return found.map((r) => ({ checkId: r.check_id, rows: Number(r.n) }));
}

/** Reads one group of checks' source rows in (check, time) order and folds each period into a row. */
async function aggregate(
  db: Kysely<Database>,
  resolution: Resolution,
  checkIds: string[],
  from: number,
  to: number,
): Promise<RollupRow[]> {
  const period = PERIOD_MS[resolution];
  const source = SOURCE_OF[resolution];
  const out: RollupRow[] = [];
  let current: { checkId: string; start: number; acc: Accumulator } | undefined;
  const at = (checkId: string, time: number): Accumulator => {
    const start = floorTo(time, period);
    if (current?.checkId !== checkId || current.start !== start) {
      if (current) out.push(current.acc.toRow(current.checkId, resolution, current.start));
      current = { checkId, start, acc: new Accumulator() };
    }
    return current.acc;
  };
  if (source === 'raw') {
    const samples = await db
      .selectFrom('check_samples')
      .select(['check_id', 'at', 'outcome', 'latency_ms'])
      .where('check_id', 'in', checkIds)
      .where('at', '>=', from)
      .where('at', '<', to)
      .orderBy('check_id')
      .orderBy('at')
      .execute();
    for (const s of samples) at(s.check_id, Number(s.at)).addSample(s.outcome, Number(s.latency_ms));
  } else {
    const rollups = await db
      .selectFrom('check_rollups')
      .select(['check_id', 'start', 'count', 'failures', 'warnings', 'latency_sum', 'latency_max', 'sketch'])
      .where('resolution', '=', source)
      .where('check_id', 'in', checkIds)
      .where('start', '>=', from)
      .where('start', '<', to)
      .orderBy('check_id')
      .orderBy('start')
      .execute();
    for (const r of rollups) at(r.check_id, Number(r.start)).addRollup(r);
  }
  const last = current as { checkId: string; start: number; acc: Accumulator } | undefined;
  if (last) out.push(last.acc.toRow(last.checkId, resolution, last.start));
  return out;
}

export async function upsertRollups(db: Kysely<Database>, rows: RollupRow[], chunk: number): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    await db
      .insertInto('check_rollups')
      .values(rows.slice(i, i + chunk))
      .onConflict((oc) =>
        oc.columns(['check_id', 'resolution', 'start']).doUpdateSet((eb) => ({
          count: eb.ref('excluded.count'),
          failures: eb.ref('excluded.failures'),
          warnings: eb.ref('excluded.warnings'),
          latency_sum: eb.ref('excluded.latency_sum'),
          latency_max: eb.ref('excluded.latency_max'),
          sketch: eb.ref('excluded.sketch'),
        })),
      )
      .execute();
  }
}
