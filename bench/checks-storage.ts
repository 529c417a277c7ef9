/**
 * Store growth per check per day at a 60 s interval, over 30 simulated days on a manual clock.
 *
 * BENCH_STORAGE_CHECKS checks (http-like: 1 % of runs fail and carry their failed condition) are fed
 * through the real write path (SampleWriter: samples, states, transitions in batches), and history
 * maintenance (rollups and retention with the default windows) runs every simulated hour, as the
 * `history.compact` job does every minute. At the end of each day the SQLite store's used pages
 * (page_count - freelist_count) are read.
 *
 * The baseline in the same run: days 0-2, before raw retention starts deleting, grow like a store that
 * keeps every raw sample. "Steady" is the growth per day over the days after every window but the day
 * rollups' 400 days has filled (hour rollups are kept 14 days).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { parseCondition } from '../src/conditions/index.js';
import { applyRetention, DEFAULT_RETENTION } from '../src/history/retention.js';
import { rollUp } from '../src/history/rollup.js';
import type { MonitoredCheck } from '../src/monitor/configured-checks.js';
import { SampleWriter } from '../src/monitor/sample-writer.js';
import { openStore, type Store } from '../src/store/index.js';
import { ManualClock } from '../src/util/clock.js';

const CHECKS = Number(process.env.BENCH_STORAGE_CHECKS ?? 50);
const DAYS = 30;
const MINUTE = 60_000;
const DAY = 86_400_000;

export interface StorageFigures {
  checks: number;
  days: number;
  steadyFromDay: number;
  bytesPerCheckByDay: number[];
  rawBytesPerCheckPerDay: number;
  steadyBytesPerCheckPerDay: number;
  totalBytesPerCheck: number;
  simulateSeconds: number;
}

export async function measureStorage(): Promise<StorageFigures> {
  process.stderr.write(`  storage: ${CHECKS} checks every 60 s for ${DAYS} simulated days... `);
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-storage-'));
  const started = performance.now();
  try {
    const store = await openStore({ sqlitePath: path.join(dir, 'state.db') });
    await store.migrate();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const writer = new SampleWriter(store.db, { clock, nodeId: 'bench', maxBatch: Number.POSITIVE_INFINITY });
    const checks = Array.from({ length: CHECKS }, (_, i) => checkNumber(i));
    await writer.adopt(checks.map((c) => c.id));
    const perDay: number[] = [];
    let random = 1;
    const next = () => {
      // A fixed sequence, so every run of the bench stores the same data.
      random = (random * 48_271) % 2_147_483_647;
      return random / 2_147_483_647;
    };
    for (let hour = 0; hour < DAYS * 24; hour++) {
      for (let minute = 0; minute < 60; minute++) {
        for (const check of checks) {
          const latencyMs = Math.round(20 * Math.exp(next() * 1.5) * 100) / 100;
          const failed = next() < 0.01;
          writer.record(check, {
            checkId: check.id,
            at: clock.now(),
            outcome: failed ? 'fail' : 'pass',
            ok: !failed,
            latencyMs,
            conditions: [
              { expr: 'status == 200', ok: !failed, actual: failed ? 503 : 200, severity: 'fail' },
            ],
            values: {},
          });
        }
        clock.advance(MINUTE);
      }
      await writer.flush();
      await rollUp(store.db, { clock });
      await applyRetention(store.db, { clock });
      if ((hour + 1) % 24 === 0) perDay.push((await usedBytes(store)) / CHECKS);
    }
    await store.close();
    const steadyFromDay =
      Math.ceil(Math.max(DEFAULT_RETENTION.raw, DEFAULT_RETENTION.minute, DEFAULT_RETENTION.hour) / DAY) + 1;
    const at = (day: number) => perDay[day - 1] ?? Number.NaN;
    const figures: StorageFigures = {
      checks: CHECKS,
      days: DAYS,
      steadyFromDay,
      bytesPerCheckByDay: perDay.map((b) => Math.round(b)),
      rawBytesPerCheckPerDay: at(2) / 2,
      steadyBytesPerCheckPerDay: (at(DAYS) - at(steadyFromDay)) / (DAYS - steadyFromDay),
      totalBytesPerCheck: at(DAYS),
      simulateSeconds: (performance.now() - started) / 1000,
    };
    process.stderr.write(`${Math.round(figures.steadyBytesPerCheckPerDay)} B per check per day\n`);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkNumber(i: number): MonitoredCheck {
  return {
    id: `svc${Math.floor(i / 10)}.check${i % 10}`,
    service: `svc${Math.floor(i / 10)}`,
    name: `check${i % 10}`,
    kind: 'http',
    options: {},
    expect: [parseCondition('status == 200')],
    timeout: 10_000,
    every: MINUTE,
    policy: { retries: 3, recover: 1, startPeriodMs: 0 },
  };
}

/** Bytes the store's tables and indexes occupy: used pages after a checkpoint, free pages excluded. */
async function usedBytes(store: Store): Promise<number> {
  await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
  const read = async (pragma: string) =>
    Number(Object.values((await sql.raw(`pragma ${pragma}`).execute(store.db)).rows[0] as object)[0]);
  return ((await read('page_count')) - (await read('freelist_count'))) * (await read('page_size'));
}
