import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Incidents } from '../../src/incidents/incidents.js';
import { incidentSeries } from '../../src/incidents/metrics.js';
import { appendEvents } from '../../src/incidents/records.js';
import { JobQueue } from '../../src/jobs/queue.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

/**
 * The incident series of `/metrics`, on both stores, on a manual clock: open incidents, MTTA and MTTR
 * over the last 30 days (an incident resolved 40 days ago counts in neither), and deadlines missed,
 * each by severity; promtool accepts the text.
 */

const { config } = stackFrom(`
version: 1
services:
  web: { checks: { health: { tcp: { host: 127.0.0.1, port: 9 } } } }
incidents:
  severities:
    critical: { respond_within: 15m }
    high: { respond_within: 1h, update_every: 30m }
    low: { respond_within: 24h }
`);

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T0 = Date.UTC(2026, 11, 1, 9);

describe.each(STORE_KINDS)('incident metrics (%s store)', (kind) => {
  let test: TestStore;
  let store: Store;
  const clock = new ManualClock(T0);
  let incidents: Incidents;

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    incidents = new Incidents({ store, queue: new JobQueue(store, { clock }), clock, config });
  });
  afterAll(() => test.destroy());

  const scrape = () => incidentSeries({ db: store.db, clock, config: () => config })();

  it('has a zero for every severity before any incident', async () => {
    const text = await scrape();
    expect(text).toContain('dayshift_incidents_open{severity="critical"} 0\n');
    expect(text).toContain('dayshift_incident_deadlines_missed_total{severity="low",deadline="update"} 0\n');
    expect(text).not.toMatch(/^dayshift_incident_mtta_seconds\{/m);
  });

  it('counts open incidents, the mean times to acknowledge and resolve, and missed deadlines', async () => {
    // Resolved 40 days ago: outside the window of the means.
    clock.set(T0 - 40 * DAY);
    const old = await incidents.open({ title: 'old', severity: 'critical', actor: 'cli:a' });
    clock.advance(90 * MIN);
    await incidents.acknowledge(old.id, 'cli:a');
    await incidents.resolve(old.id, { actor: 'cli:a' });

    clock.set(T0);
    const a = await incidents.open({ title: 'a', severity: 'critical', actor: 'cli:a' });
    const c = await incidents.open({ title: 'c', severity: 'high', actor: 'cli:a' });
    const d = await incidents.open({ title: 'd', severity: 'low', actor: 'cli:a' });
    clock.advance(5 * MIN);
    await incidents.acknowledge(a.id, 'cli:a');
    clock.advance(5 * MIN);
    const b = await incidents.open({ title: 'b', severity: 'critical', actor: 'cli:a' });
    clock.advance(20 * MIN);
    // Five minutes past its respond deadline: that deadline is missed (below), not met.
    await incidents.acknowledge(b.id, 'cli:a');
    clock.set(T0 + 30 * MIN);
    await incidents.acknowledge(c.id, 'cli:a');
    clock.set(T0 + 65 * MIN);
    await incidents.resolve(a.id, { actor: 'cli:a' });
    clock.set(T0 + 120 * MIN);
    await incidents.resolve(c.id, { actor: 'cli:a' });
    // What the deadline jobs write when a deadline passes unmet.
    const missed = (incidentId: number, deadline: string, due: number) => ({
      incidentId,
      at: due,
      type: 'deadline.missed' as const,
      actor: 'dayshift',
      text: `${deadline} deadline missed`,
      data: { deadline, due },
      key: `deadline:${deadline}:${due}`,
    });
    await appendEvents(store.db, [
      missed(b.id, 'respond', T0 + 25 * MIN),
      missed(c.id, 'update', T0 + 30 * MIN),
      missed(c.id, 'update', T0 + 60 * MIN),
    ]);
    expect(d.severity).toBe('low');

    clock.set(T0 + 3 * 60 * MIN);
    const text = await scrape();
    const series = (name: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`))
        .map((l) => l.replace(`${name}`, ''));
    expect(series('dayshift_incidents_open')).toEqual([
      '{severity="critical"} 1',
      '{severity="high"} 0',
      '{severity="low"} 1',
    ]);
    // critical: acknowledged after 5 and 20 minutes; high: after 30.
    expect(series('dayshift_incident_mtta_seconds')).toEqual([
      '{severity="critical"} 750',
      '{severity="high"} 1800',
    ]);
    // critical: resolved after 65 minutes; high: after 120.
    expect(series('dayshift_incident_mttr_seconds')).toEqual([
      '{severity="critical"} 3900',
      '{severity="high"} 7200',
    ]);
    expect(series('dayshift_incident_deadlines_missed_total')).toEqual([
      '{severity="critical",deadline="respond"} 1',
      '{severity="critical",deadline="update"} 0',
      '{severity="critical",deadline="resolve"} 0',
      '{severity="high",deadline="respond"} 0',
      '{severity="high",deadline="update"} 2',
      '{severity="high",deadline="resolve"} 0',
      '{severity="low",deadline="respond"} 0',
      '{severity="low",deadline="update"} 0',
      '{severity="low",deadline="resolve"} 0',
    ]);

    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(promtool.error, 'promtool must be installed (see .ci/run)').toBeUndefined();
    expect(promtool.stdout + promtool.stderr).toBe('');
    expect(promtool.status).toBe(0);
  });
});
