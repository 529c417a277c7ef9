/**
 * `npm run bench -- incidents`: how late escalations run, and how fast the status page answers.
 *
 * Escalation: INCIDENTS incidents opened over SPREAD_S seconds on a node (embedded SQLite store, or
 * PostgreSQL with BENCH_PG_URL; real clock), each with `respond_within: RESPOND_S` and an escalation that pages one person through a
 * webhook, so their deadlines are staggered over the spread. Nobody acknowledges. The figure is each
 * escalation's lateness past its deadline (the `escalated` event's time less the deadline), and the
 * page's arrival at the receiver. The baseline is a no-op job per incident queued on the same node's
 * queue for the same instant: the queue's own lateness under the same load, measured in the same run.
 *
 * Status page (bench/status-page.ts): 50 components with 90 days of history, open and resolved
 * incidents; `/status` and `/status.json` asked in turn with `/health`, whose time is the baseline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfigOrThrow } from '../src/config/load.js';
import type { FeatureDefinition } from '../src/features/types.js';
import { incidentsFeature } from '../src/incidents/feature.js';
import { silentLogger } from '../src/log/logger.js';
import { FEATURES } from '../src/runtime/features.js';
import { type RunningNode, startNode } from '../src/runtime/node.js';
import { quantile } from './quantile.js';
import { statusPageCase } from './status-page.js';
import { m, pass, printTable, type Row } from './table.js';

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 1_000);
const SPREAD_S = Number(process.env.BENCH_SPREAD_S ?? 20);
const RESPOND_S = 5;

/** A node of the file's features plus a no-op job kind that records how late it ran. */
function withTicks(lateness: number[]): readonly FeatureDefinition<unknown>[] {
  const ticks: FeatureDefinition<unknown> = {
    name: 'bench-ticks',
    open: () => ({
      jobKinds: [
        {
          kind: 'bench.tick',
          async handler({ job }) {
            lateness.push(Date.now() - job.runAt);
            return null;
          },
        },
      ],
    }),
  };
  return [...FEATURES, ticks];
}

async function serveNode(
  dir: string,
  yaml: string,
  features?: readonly FeatureDefinition<unknown>[],
): Promise<RunningNode> {
  const configPath = path.join(dir, 'dayshift.yaml');
  writeFileSync(configPath, yaml);
  const { config } = loadConfigOrThrow(configPath, { env: {} });
  return startNode({
    store: process.env.BENCH_PG_URL
      ? { url: process.env.BENCH_PG_URL }
      : { sqlitePath: path.join(dir, 'state.db') },
    listen: '127.0.0.1:0',
    logger: silentLogger(),
    stack: { config, configPath },
    features,
  });
}

async function escalation(): Promise<{ rows: Row[]; figures: Record<string, number> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-bench-incidents-'));
  const pages: number[] = [];
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      pages.push(Date.now());
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/page`;
  const ticks: number[] = [];
  const node = await serveNode(
    dir,
    `version: 1
services:
  app: {}
notifiers:
  pager: { webhook: { url: "${hook}" } }
people:
  oncall-person: { notify: [pager] }
incidents:
  severities:
    critical: { respond_within: ${RESPOND_S}s, escalate: [oncall-person] }
`,
    withTicks(ticks),
  );
  try {
    const incidents = node.use(incidentsFeature);
    if (!incidents) throw new Error('the node has no incidents feature');
    const started = Date.now();
    for (let i = 0; i < INCIDENTS; i++) {
      // Open at an even pace across the spread, so the deadlines are staggered the same way.
      const at = started + (i * SPREAD_S * 1000) / INCIDENTS;
      const wait = at - Date.now();
      if (wait > 0) await sleep(wait);
      await incidents.open({ title: `bench ${i}`, severity: 'critical', services: ['app'], actor: 'bench' });
      await node.store.db
        .insertInto('jobs')
        .values({
          kind: 'bench.tick',
          payload: 'null',
          status: 'queued',
          priority: 0,
          run_at: Date.now() + RESPOND_S * 1000,
          attempts: 0,
          max_attempts: 1,
          created_at: Date.now(),
        })
        .execute();
    }
    const deadline = Date.now() + (RESPOND_S + 120) * 1000;
    let escalated = 0;
    while (Date.now() < deadline) {
      const row = await node.store.db
        .selectFrom('incident_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('type', '=', 'escalated')
        .executeTakeFirstOrThrow();
      escalated = Number(row.n);
      if (escalated >= INCIDENTS && ticks.length >= INCIDENTS && pages.length >= INCIDENTS) break;
      await sleep(250);
    }
    const missed = await node.store.db
      .selectFrom('incident_events')
      .select(['incident_id', 'data'])
      .where('type', '=', 'deadline.missed')
      .execute();
    const due = new Map(missed.map((e) => [Number(e.incident_id), Number(JSON.parse(e.data ?? '{}').due)]));
    const steps = await node.store.db
      .selectFrom('incident_events')
      .select(['incident_id', 'at'])
      .where('type', '=', 'escalated')
      .execute();
    const late = steps
      .map((e) => Number(e.at) - (due.get(Number(e.incident_id)) ?? Number.NaN))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const base = [...ticks].sort((a, b) => a - b);
    const p99 = quantile(late, 0.99);
    const baseP99 = quantile(base, 0.99);
    const firstDue = started + RESPOND_S * 1000;
    const pageSpan = pages.length > 0 ? Math.max(...pages) - firstDue : Number.NaN;
    return {
      rows: [
        [
          `escalation lateness p50 (${late.length}/${INCIDENTS} escalated)`,
          m(quantile(late, 0.5)),
          m(quantile(base, 0.5)),
          `${(quantile(late, 0.5) / Math.max(1, quantile(base, 0.5))).toFixed(2)}×`,
          '',
        ],
        [
          'escalation lateness p99',
          m(p99),
          m(baseP99),
          `${(p99 / Math.max(1, baseP99)).toFixed(2)}×`,
          `< 1 s: ${pass(p99 < 1000 && late.length === INCIDENTS)}`,
        ],
        [
          `pages received (${pages.length}/${INCIDENTS}), last after the first deadline`,
          m(pageSpan),
          '',
          `spread ${SPREAD_S} s`,
          `all: ${pass(pages.length === INCIDENTS)}`,
        ],
      ],
      figures: {
        escalated: late.length,
        pages: pages.length,
        latenessP50Ms: quantile(late, 0.5),
        latenessP99Ms: p99,
        latenessMaxMs: late.at(-1) ?? Number.NaN,
        queueP50Ms: quantile(base, 0.5),
        queueP99Ms: baseP99,
      },
    };
  } finally {
    await node.stop('bench done');
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const only = process.env.BENCH_PART;
  const parts = [
    ...(only === 'status' ? [] : [await escalation()]),
    ...(only === 'escalation' ? [] : [await statusPageCase()]),
  ];
  printTable(parts.flatMap((p) => p.rows));
  process.stdout.write(
    `${JSON.stringify({ bench: 'incidents', incidents: INCIDENTS, spreadS: SPREAD_S, ...Object.assign({}, ...parts.map((p) => p.figures)) })}\n`,
  );
}
