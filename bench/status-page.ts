/**
 * The status page's part of `npm run bench -- incidents`: how fast a node answers its status page with 50 components of two
 * checks each and 90 days of history, against `/health` on the same node in the same run (the figure
 * that counts on a noisy machine is the difference and ratio of the two, not a single time).
 *
 * The store (SQLite, or PostgreSQL with BENCH_PG_URL) holds what 90 days of checks every 10 s leave:
 * day rollups for the past days, hour and minute rollups for today and a minute of raw samples, the
 * check states, 5 open incidents and 10 resolved ones with public updates and internal notes, and a
 * maintenance window. `/status`, `/status.json` and `/health` are each requested BENCH_STATUS_REQUESTS
 * (300) times in turn, one at a time, over one keep-alive connection. Goal: `/status` p95 < 50 ms.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { loadConfigOrThrow } from '../src/config/load.js';
import { LatencySketch } from '../src/history/sketch.js';
import { appendEvents } from '../src/incidents/records.js';
import { silentLogger } from '../src/log/logger.js';
import { startNode } from '../src/runtime/node.js';
import type { Database } from '../src/store/schema.js';
import { quantile } from './quantile.js';
import { m, pass, type Row } from './table.js';

const COMPONENTS = 50;
const CHECKS_PER_COMPONENT = 2;
const DAYS = 90;
const REQUESTS = Number(process.env.BENCH_STATUS_REQUESTS ?? 300);
const GOAL_P95_MS = 50;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export async function statusPageCase(): Promise<{ rows: Row[]; figures: Record<string, unknown> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-status-'));
  const loadBefore = loadavg()[0] ?? 0;
  try {
    const configPath = path.join(dir, 'dayshift.yaml');
    writeFileSync(configPath, stackYaml());
    const { config } = loadConfigOrThrow(configPath);
    const pgUrl = process.env.BENCH_PG_URL;
    const node = await startNode({
      store: pgUrl ? { url: pgUrl } : { sqlitePath: path.join(dir, 'state.db') },
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      stack: { config, configPath },
    });
    try {
      process.stderr.write(
        `status-page bench: ${COMPONENTS} components × ${CHECKS_PER_COMPONENT} checks × ${DAYS} days on ${pgUrl ? 'PostgreSQL' : 'SQLite'}, ${REQUESTS} requests per route, load average ${loadBefore.toFixed(2)} on ${availableParallelism()} cores\n`,
      );
      const seeded = await seed(node.store.db, Date.now());
      process.stderr.write(`  seeded ${seeded.toLocaleString('en')} rows\n`);
      const routes = ['/health', '/status', '/status.json'];
      const times = new Map<string, number[]>(routes.map((r) => [r, []]));
      // Warm-up: the first requests compile the handlers and fill the store's caches.
      for (let i = 0; i < 20; i++) for (const route of routes) await timed(node.address, route);
      for (let i = 0; i < REQUESTS; i++)
        for (const route of routes) times.get(route)?.push(await timed(node.address, route));
      const figures = Object.fromEntries(
        routes.map((route) => {
          const sorted = [...(times.get(route) ?? [])].sort((a, b) => a - b);
          return [
            route,
            { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99) },
          ];
        }),
      );
      const health = figures['/health'] ?? { p50: 0, p95: 0, p99: 0 };
      const rows: Row[] = routes.slice(1).map((route) => {
        const f = figures[route] ?? { p50: 0, p95: 0, p99: 0 };
        return [
          `GET ${route} p95 (p50)`,
          `${m2(f.p95)} (${m2(f.p50)})`,
          `/health ${m2(health.p95)} (${m2(health.p50)})`,
          `${(f.p50 / health.p50).toFixed(1)} × /health at p50`,
          route === '/status' ? `p95 < ${m(GOAL_P95_MS)}: ${pass(f.p95 < GOAL_P95_MS)}` : '',
        ];
      });
      const loadAfter = loadavg()[0] ?? 0;
      process.stderr.write(
        `  load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after, on ${availableParallelism()} cores\n`,
      );
      return {
        rows,
        figures: {
          statusStore: pgUrl ? 'postgres' : 'sqlite',
          statusComponents: COMPONENTS,
          statusDays: DAYS,
          statusRequests: REQUESTS,
          statusMs: figures,
          statusGoalMet: (figures['/status']?.p95 ?? Number.POSITIVE_INFINITY) < GOAL_P95_MS,
        },
      };
    } finally {
      await node.stop('bench over');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const m2 = (ms: number) => `${ms.toFixed(1)} ms`;

async function timed(base: string, route: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${base}${route}`);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${route} answered ${res.status}`);
  return performance.now() - started;
}

/** 50 services of two checks each, once a day so the node's timer leaves the seeded states alone. */
function stackYaml(): string {
  const services = Array.from({ length: COMPONENTS }, (_, i) => {
    const checks = Array.from(
      { length: CHECKS_PER_COMPONENT },
      (_, c) => `      c${c}: { tcp: { host: 127.0.0.1, port: 9 }, every: 24h }`,
    );
    return `  svc-${i}:\n    checks:\n${checks.join('\n')}`;
  });
  const names = Array.from({ length: COMPONENTS }, (_, i) => `svc-${i}`);
  return `version: 1
stack: bench-status
services:
${services.join('\n')}
maintenance:
  - { name: weekly, schedule: "0 2 * * 0", duration: 1h, services: [svc-1] }
status_page: { title: "Bench", components: [${names.join(', ')}], public: true }
`;
}

/** What 90 days of checks every 10 s leave in the store, read the way the history keeps it. */
async function seed(db: Kysely<Database>, now: number): Promise<number> {
  const ids = Array.from({ length: COMPONENTS }, (_, i) =>
    Array.from({ length: CHECKS_PER_COMPONENT }, (_, c) => `svc-${i}.c${c}`),
  ).flat();
  const today = Math.floor(now / DAY) * DAY;
  const hour = Math.floor(now / HOUR) * HOUR;
  const minute = Math.floor(now / MINUTE) * MINUTE;
  const sketch = new LatencySketch().add(12, 100).add(40, 10).encode();
  const rollup = (check_id: string, resolution: string, start: number, count: number, i: number) => ({
    check_id,
    resolution,
    start,
    count,
    failures: i % 17 === 0 ? Math.ceil(count / 50) : 0,
    warnings: 0,
    latency_sum: 15 * count,
    latency_max: 40,
    sketch,
  });
  const rows: ReturnType<typeof rollup>[] = [];
  for (const id of ids) {
    for (let d = 1; d < DAYS; d++) rows.push(rollup(id, 'd', today - d * DAY, 8_640, d));
    for (let h = today; h < hour; h += HOUR) rows.push(rollup(id, 'h', h, 360, h / HOUR));
    for (let t = hour; t < minute; t += MINUTE) rows.push(rollup(id, 'm', t, 6, t / MINUTE));
  }
  for (let i = 0; i < rows.length; i += 1_000)
    await db
      .insertInto('check_rollups')
      .values(rows.slice(i, i + 1_000))
      .execute();
  const samples = ids.flatMap((check_id) =>
    Array.from({ length: 6 }, (_, k) => ({
      check_id,
      at: minute + k * 9_000,
      outcome: 'pass',
      latency_ms: 12,
      detail: null,
    })).filter((s) => s.at <= now),
  );
  for (let i = 0; i < samples.length; i += 1_000)
    await db
      .insertInto('check_samples')
      .values(samples.slice(i, i + 1_000))
      .execute();
  await db
    .insertInto('history_watermarks')
    .values([
      { resolution: 'd', rolled_until: today },
      { resolution: 'h', rolled_until: hour },
      { resolution: 'm', rolled_until: minute },
    ])
    .execute();
  await db
    .insertInto('check_states')
    .values(
      ids.map((check_id) => ({
        check_id,
        state: 'healthy',
        since: now - DAY,
        monitored_since: now - DAYS * DAY,
        failures: 0,
        successes: 100,
        last_at: now - 5_000,
        last_outcome: 'pass',
        last_latency_ms: 12,
        last_reason: null,
        last_result: null,
        updated_at: now - 5_000,
      })),
    )
    .execute();
  let events = 0;
  for (let i = 0; i < 15; i++) {
    const open = i < 5;
    const opened = now - (open ? i + 1 : i) * HOUR * 6;
    const row = await db
      .insertInto('incidents')
      .values({
        title: `Incident ${i}`,
        severity: 'high',
        status: open ? 'identified' : 'resolved',
        services: JSON.stringify([`svc-${i}`]),
        impact: null,
        eta: null,
        opened_at: opened,
        opened_by: 'bench',
        acknowledged_at: null,
        acknowledged_by: null,
        assignee: null,
        resolved_at: open ? null : opened + HOUR,
        resolved_by: open ? null : 'bench',
        last_update_at: opened,
        escalation: JSON.stringify({ step: 0, round: 0 }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const incidentId = Number(row.id);
    events += await appendEvents(
      db,
      Array.from({ length: 10 }, (_, k) => ({
        incidentId,
        at: opened + k * MINUTE,
        type: k === 0 ? ('opened' as const) : k % 3 === 0 ? ('note' as const) : ('update' as const),
        actor: 'bench',
        public: k % 3 !== 0,
        text: `update ${k} of incident ${i}`,
      })),
    );
  }
  return rows.length + samples.length + ids.length + 15 + events;
}
