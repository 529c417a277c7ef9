import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAlert } from '../../src/alerts/alert-store.js';
import type { Alerting } from '../../src/alerts/alerting.js';
import { Incidents } from '../../src/incidents/incidents.js';
import { readTimeline } from '../../src/incidents/records.js';
import { TimelineLinks } from '../../src/incidents/timeline-links.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { alertingFor, setState } from '../alerts/alert-fixtures.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

/**
 * The alerts half of the timeline, on both stores: the real alert engine fires and resolves alerts
 * from check states, and the link pass (on two nodes, each with its own connection) feeds them to
 * incidents: a critical alert opens an incident, a second alert on the service attaches to it, a
 * resolve is written once, and an alert that fired before the lookback opens nothing.
 */

const YAML = `
version: 1
stack: shop
services:
  web:
    checks:
      health: { tcp: { host: 127.0.0.1, port: 9 }, severity: critical }
      latency: { tcp: { host: 127.0.0.1, port: 9 }, severity: low }
  db:
    checks:
      ready: { tcp: { host: 127.0.0.1, port: 9 }, severity: high }
  cache:
    checks:
      up: { tcp: { host: 127.0.0.1, port: 9 }, severity: critical }
alerting:
  repeat: 0s
incidents:
  open_on: [ { severity: critical } ]
  severities:
    critical: { respond_within: 15m }
    high: { respond_within: 1h }
    low: { respond_within: 24h }
`;

const MIN = 60_000;

describe.each(STORE_KINDS)('alerts on incident timelines (%s store)', (kind) => {
  let test: TestStore;
  let store: Store;
  let other: Store;
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 9));
  let alerting: Alerting;
  let node1: TimelineLinks;
  let node2: TimelineLinks;
  let incidents: Incidents;

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    other = await test.open();
    const { config } = stackFrom(YAML);
    alerting = alertingFor(store, clock, YAML);
    const on = (s: Store) => new Incidents({ store: s, queue: new JobQueue(s, { clock }), clock, config });
    incidents = on(store);
    node1 = new TimelineLinks(incidents, silentLogger());
    node2 = new TimelineLinks(on(other), silentLogger());
  });
  afterAll(() => test.destroy());

  /** Both nodes pass at once where the store lets two writers race (PostgreSQL), else one after the other. */
  async function bothPass() {
    if (kind === 'postgres') return Promise.all([node1.pass(), node2.pass()]);
    return [await node1.pass(), await node2.pass()];
  }

  it('an alert that fired before the lookback opens nothing', async () => {
    await setState(store.db, 'cache.up', 'unhealthy', clock.now(), 'connect ECONNREFUSED');
    await alerting.engine.pass();
    clock.advance(61 * MIN);
    const outcomes = await bothPass();
    expect(outcomes.map((o) => o.opened + o.attached)).toEqual([0, 0]);
    expect(await incidents.list()).toEqual([]);
  });

  it('a critical alert opens one incident, though two nodes pass at once; the next on its service attaches', async () => {
    await setState(store.db, 'web.health', 'unhealthy', clock.now(), 'connect ECONNREFUSED 127.0.0.1:9');
    expect((await alerting.engine.pass()).steps).toMatchObject({ open: 1 });
    const first = await bothPass();
    expect(first.reduce((n, o) => n + o.opened, 0)).toBe(1);
    const [incident, ...more] = await incidents.list();
    expect(more).toEqual([]);
    expect(incident).toMatchObject({
      severity: 'critical',
      services: ['web'],
      openedBy: expect.stringMatching(/^alert:/),
    });
    if (!incident) throw new Error('no incident');

    // A low alert on the same service would open nothing by itself: it joins the open incident.
    clock.advance(MIN);
    await setState(store.db, 'web.latency', 'unhealthy', clock.now(), 'connect ECONNREFUSED 127.0.0.1:9');
    // And a high one on another service neither opens one nor joins this one.
    await setState(store.db, 'db.ready', 'unhealthy', clock.now(), 'connect ECONNREFUSED 127.0.0.1:9');
    await alerting.engine.pass();
    const second = await bothPass();
    expect(second.reduce((n, o) => n + o.attached, 0)).toBe(1);
    expect(second.reduce((n, o) => n + o.opened, 0)).toBe(0);
    expect((await incidents.list()).map((i) => i.id)).toEqual([incident.id]);
    // Passing again changes nothing.
    expect(await node1.pass()).toEqual({ opened: 0, attached: 0, resolved: 0, runs: 0 });

    clock.advance(5 * MIN);
    await setState(store.db, 'web.health', 'healthy', clock.now());
    expect((await alerting.engine.pass()).steps).toMatchObject({ resolve: 1 });
    const third = await bothPass();
    expect(third.reduce((n, o) => n + o.resolved, 0)).toBe(1);
    expect(await node2.pass()).toMatchObject({ resolved: 0 });

    const timeline = await readTimeline(store.db, incident.id);
    expect(timeline.map((e) => e.type)).toEqual(['opened', 'alert.firing', 'alert.firing', 'alert.resolved']);
    expect(timeline[1]?.text).toContain('web.health');
    expect(timeline[2]?.text).toContain('web.latency');
    // The resolve says what recovered, at the time the alert resolved, in the engine's words.
    expect(timeline[3]).toMatchObject({ at: clock.now(), text: expect.stringContaining('web.health') });
  });

  it('an alert already firing when an incident on its service is opened by hand joins it on the next pass', async () => {
    const byHand = await incidents.open({
      title: 'Database slow',
      severity: 'high',
      services: ['db'],
      actor: 'cli:alice',
    });
    expect(await node2.pass()).toMatchObject({ attached: 1 });
    const types = (await readTimeline(store.db, byHand.id)).map((e) => e.type);
    expect(types).toEqual(['opened', 'alert.firing']);
  });

  it('an alert that cannot open an incident (its service left the file) does not hold up the others', async () => {
    clock.advance(MIN);
    const fire = (key: string, service: string) =>
      store.db.transaction().execute((trx) =>
        openAlert(
          trx,
          {
            key,
            origin: 'check',
            name: key.slice('check:'.length),
            severity: 'critical',
            service,
            summary: 'connect ECONNREFUSED 127.0.0.1:9',
            labels: { service },
            notify: [],
            forMs: 0,
            repeatMs: 0,
          },
          'firing',
          clock.now(),
          undefined,
        ),
      );
    await fire('check:gone.up', 'gone');
    await fire('check:cache.ping', 'cache');
    expect(await node1.pass()).toMatchObject({ opened: 1 });
    expect((await incidents.list()).map((i) => i.services)).toContainEqual(['cache']);
    expect(await node1.pass()).toMatchObject({ opened: 0, attached: 0 });
  });
});
