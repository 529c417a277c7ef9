import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertDetail, listAlerts } from '../../src/alerts/queries.js';
import { parseMatcher } from '../../src/alerts/silences.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { alertingFor, notificationsOf, recoveryLine, setState } from './alert-fixtures.js';

const MIN = 60_000;

describe.each(STORE_KINDS)('alert lifecycle from check states (%s)', (kind) => {
  let test: TestStore;
  let store: Store;
  // 10:00 UTC: outside the nightly 02:00 maintenance window of the db service.
  const clock = new ManualClock(Date.UTC(2026, 10, 20, 10, 0));

  beforeEach(async () => {
    test = await createTestStore(kind);
    store = await test.open();
  });
  afterEach(async () => {
    await test.destroy();
  });

  it('fires once when a check turns unhealthy, routes by severity, and resolves when it recovers', async () => {
    const alerting = alertingFor(store, clock);
    await setState(store.db, 'backend.health', 'unhealthy', clock.now(), 'status == 200 failed: got 503');
    const first = await alerting.engine.pass();
    expect(first.steps).toEqual({ open: 1 });
    // A second pass (or a second node) sees the same state and changes nothing.
    expect((await alerting.engine.pass()).steps).toEqual({});

    const [alert] = await listAlerts(store.db, { states: ['firing'] });
    expect(alert).toMatchObject({
      key: 'check:backend.health',
      name: 'backend.health unhealthy',
      severity: 'critical',
      summary: 'status == 200 failed: got 503',
      origin: 'check',
      labels: { team: 'web', service: 'backend', check: 'health', severity: 'critical', origin: 'check' },
    });
    const sent = await notificationsOf(store.db, alert?.id);
    expect(sent.map((n) => [n.notifier, n.event, n.status])).toEqual([
      ['ops', 'firing', 'pending'],
      ['oncall', 'firing', 'pending'],
    ]);
    const jobs = await store.db.selectFrom('jobs').select(['kind', 'unique_key']).execute();
    expect(jobs.map((j) => j.unique_key).sort()).toEqual(['notify:oncall', 'notify:ops']);

    clock.advance(MIN);
    await setState(store.db, 'backend.health', 'healthy', clock.now(), undefined, {
      conditions: [{ expr: 'status == 200', ok: true, actual: 200 }],
    });
    expect((await alerting.engine.pass()).steps).toEqual({ resolve: 1 });
    // The resolve says what recovered, not why it fired.
    expect(await recoveryLine(store.db, alert?.id)).toBe(
      'backend.health is healthy again after 1m: status == 200 passes (actual 200)',
    );
    const after = await notificationsOf(store.db, alert?.id);
    expect(after.slice(2).map((n) => [n.notifier, n.event])).toEqual([
      ['ops', 'resolved'],
      ['oncall', 'resolved'],
    ]);
    const detail = await alertDetail(store.db, alert?.id as number);
    expect(detail?.timeline.map((e) => e.type)).toEqual(['firing', 'resolved']);
    expect(detail?.alert.state).toBe('resolved');
  });

  it('a degraded check raises a warning at the least severity, which oncall (critical, high) does not get', async () => {
    const alerting = alertingFor(store, clock);
    await setState(store.db, 'worker.backlog', 'degraded', clock.now(), 'value < 100 failed: got 340');
    await alerting.engine.pass();
    const [alert] = await listAlerts(store.db, { states: ['firing'] });
    expect(alert).toMatchObject({ key: 'check:worker.backlog:warning', severity: 'low', notify: ['ops'] });
    clock.advance(MIN);
    await setState(store.db, 'worker.backlog', 'healthy', clock.now());
    await alerting.engine.pass();
    expect(await recoveryLine(store.db, alert?.id)).toBe('worker.backlog is no longer degraded after 1m');
  });

  it('a heartbeat that stopped arriving raises a missed alert', async () => {
    const alerting = alertingFor(store, clock);
    await setState(
      store.db,
      'cron.nightly',
      'unhealthy',
      clock.now(),
      'no ping for 2m (period 1m + grace 1m)',
    );
    await alerting.engine.pass();
    const [alert] = await listAlerts(store.db, { states: ['firing'] });
    expect(alert).toMatchObject({
      origin: 'missed',
      name: 'cron.nightly missed',
      summary: expect.stringContaining('no ping'),
    });
    clock.advance(2 * MIN);
    await setState(store.db, 'cron.nightly', 'healthy', clock.now());
    await alerting.engine.pass();
    expect(await recoveryLine(store.db, alert?.id)).toBe('cron.nightly is on time again after 2m');
  });

  it('reminds every repeat until acknowledged; the ack is told and stops the reminders', async () => {
    const alerting = alertingFor(store, clock);
    await setState(store.db, 'backend.health', 'unhealthy', clock.now());
    await alerting.engine.pass();
    const [alert] = await listAlerts(store.db);
    const id = alert?.id as number;

    clock.advance(59 * MIN);
    expect((await alerting.engine.pass()).steps).toEqual({});
    clock.advance(MIN);
    expect((await alerting.engine.pass()).steps).toEqual({ remind: 1 });
    clock.advance(30 * MIN);
    expect((await alerting.engine.pass()).steps).toEqual({});
    clock.advance(30 * MIN);
    expect((await alerting.engine.pass()).steps).toEqual({ remind: 1 });

    const acked = await alerting.acknowledge(id, 'alice', 'looking at the load balancer');
    expect(acked).toMatchObject({ ackedBy: 'alice' });
    clock.advance(5 * 60 * MIN);
    expect((await alerting.engine.pass()).steps).toEqual({});

    const events = (await notificationsOf(store.db, id))
      .filter((n) => n.notifier === 'ops')
      .map((n) => n.event);
    expect(events).toEqual(['firing', 'reminder', 'reminder', 'acknowledged']);
    const detail = await alertDetail(store.db, id);
    expect(detail?.timeline.map((e) => e.type)).toEqual(['firing', 'reminder', 'reminder', 'acknowledged']);
    expect(detail?.timeline.at(-1)?.detail).toBe('alice: looking at the load balancer');
  });

  it('a silence records the alert but holds its notifications; it is told when the silence expires', async () => {
    const alerting = alertingFor(store, clock);
    const silence = await alerting.silences.create(
      {
        matchers: [
          parseMatcher('service=backend'),
          parseMatcher('severity=~crit.*'),
          parseMatcher('origin=check'),
        ],
        startsAt: clock.now(),
        endsAt: clock.now() + 30 * MIN,
        createdBy: 'bob',
      },
      clock.now(),
    );
    await setState(store.db, 'backend.health', 'unhealthy', clock.now());
    await alerting.engine.pass();
    const [alert] = await listAlerts(store.db, { states: ['firing'] });
    const held = await notificationsOf(store.db, alert?.id);
    expect(held.map((n) => [n.status, n.suppressed_by])).toEqual([
      ['suppressed', `silence #${silence.id}`],
      ['suppressed', `silence #${silence.id}`],
    ]);
    expect(await store.db.selectFrom('jobs').selectAll().execute()).toEqual([]);

    clock.advance(31 * MIN);
    expect((await alerting.engine.pass()).steps).toEqual({ announce: 1 });
    const told = await notificationsOf(store.db, alert?.id);
    expect(told.slice(2).map((n) => [n.event, n.status])).toEqual([
      ['firing', 'pending'],
      ['firing', 'pending'],
    ]);
  });

  it('a silence that does not match leaves the alert alone', async () => {
    const alerting = alertingFor(store, clock);
    await alerting.silences.create(
      {
        matchers: [parseMatcher('service=db')],
        startsAt: clock.now(),
        endsAt: clock.now() + 30 * MIN,
        createdBy: 'bob',
      },
      clock.now(),
    );
    await setState(store.db, 'backend.health', 'unhealthy', clock.now());
    await alerting.engine.pass();
    expect((await notificationsOf(store.db)).map((n) => n.status)).toEqual(['pending', 'pending']);
  });

  it("a recurring maintenance window holds back its services' notifications and records the state", async () => {
    const alerting = alertingFor(store, clock);
    clock.set(Date.UTC(2026, 10, 21, 2, 10)); // inside 02:00 + 1h
    await setState(store.db, 'db.ready', 'unhealthy', clock.now());
    await setState(store.db, 'backend.health', 'unhealthy', clock.now());
    await alerting.engine.pass();
    const alerts = await listAlerts(store.db, { states: ['firing'] });
    expect(alerts.map((a) => a.key).sort()).toEqual(['check:backend.health', 'check:db.ready']);
    const db = alerts.find((a) => a.key === 'check:db.ready');
    // db.ready has the default severity, high, so both notifiers would have been told.
    expect(
      (await notificationsOf(store.db, db?.id)).map((n) => [n.notifier, n.status, n.suppressed_by]),
    ).toEqual([
      ['ops', 'suppressed', 'maintenance nightly-vacuum'],
      ['oncall', 'suppressed', 'maintenance nightly-vacuum'],
    ]);
    const backend = alerts.find((a) => a.key === 'check:backend.health');
    expect((await notificationsOf(store.db, backend?.id)).every((n) => n.status === 'pending')).toBe(true);

    // Recovered inside the window: nobody was told it fired, so nobody is told it resolved.
    clock.advance(20 * MIN);
    await setState(store.db, 'db.ready', 'healthy', clock.now());
    await alerting.engine.pass();
    expect((await notificationsOf(store.db, db?.id)).length).toBe(2);
    expect((await alertDetail(store.db, db?.id as number))?.alert.state).toBe('resolved');
    const windows = await alerting.calendar.upcoming(clock.now(), 86_400_000);
    expect(windows[0]).toMatchObject({
      name: 'nightly-vacuum',
      startsAt: Date.UTC(2026, 10, 21, 2, 0),
      services: ['db'],
    });
  });

  it('a flapping check is one alert told once; it resolves once the flips stop', async () => {
    const alerting = alertingFor(store, clock);
    const states = ['unhealthy', 'healthy', 'unhealthy', 'healthy', 'unhealthy'];
    for (const state of states) {
      await setState(store.db, 'backend.health', state, clock.now());
      await alerting.engine.pass();
      clock.advance(30_000);
    }
    // Four changes opened and resolved it twice; the fifth made it flapping.
    for (let i = 0; i < 6; i++) {
      await setState(store.db, 'backend.health', i % 2 === 0 ? 'healthy' : 'unhealthy', clock.now());
      await alerting.engine.pass();
      clock.advance(30_000);
    }
    const open = await listAlerts(store.db, { states: ['firing'] });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ flapping: true, name: 'backend.health flapping' });
    const flappingTold = (await notificationsOf(store.db, open[0]?.id)).filter((n) => n.notifier === 'ops');
    expect(flappingTold.map((n) => n.event)).toEqual(['firing']);

    // Quiet and healthy for the whole window: steady, then resolved.
    await setState(store.db, 'backend.health', 'healthy', clock.now());
    clock.advance(11 * MIN);
    await alerting.engine.pass();
    await alerting.engine.pass();
    expect(await listAlerts(store.db, { states: ['firing'] })).toEqual([]);
    const all = (await notificationsOf(store.db, open[0]?.id)).filter((n) => n.notifier === 'ops');
    expect(all.map((n) => n.event)).toEqual(['firing', 'resolved']);
    expect(await recoveryLine(store.db, open[0]?.id)).toMatch(
      /^backend\.health stopped flapping after \d+m(\d+s)?$/,
    );
  });
});

describe.each(STORE_KINDS)('rule alerts through the engine (%s)', (kind) => {
  let test: TestStore;
  let store: Store;
  const clock = new ManualClock(Date.UTC(2026, 10, 20, 10, 0));
  const yaml = `
version: 1
services:
  api:
    checks:
      health: { tcp: { host: 127.0.0.1, port: 9 } }
rules:
  api-slow: { when: "p95(api.health.latency, 5m) > 1s", for: 2m, severity: medium, labels: { team: web } }
alerting: { evaluate_every: 15s }
notifiers:
  ops: { webhook: { url: "http://127.0.0.1:9/ops" } }
`;

  beforeEach(async () => {
    test = await createTestStore(kind);
    store = await test.open();
  });
  afterEach(async () => {
    await test.destroy();
  });

  async function samples(latency: number, count = 30): Promise<void> {
    await store.db
      .insertInto('check_samples')
      .values(
        Array.from({ length: count }, (_, i) => ({
          check_id: 'api.health',
          at: clock.now() - i * 10_000,
          outcome: 'pass',
          latency_ms: latency,
          detail: null,
        })),
      )
      .execute();
  }

  it('goes pending, fires after for:, and resolves when the percentile falls back', async () => {
    const alerting = alertingFor(store, clock, yaml);
    await samples(1_800);
    await alerting.engine.pass();
    const [pending] = await listAlerts(store.db, { states: ['pending'] });
    expect(pending).toMatchObject({
      key: 'rule:api-slow',
      severity: 'medium',
      service: 'api',
      origin: 'rule',
      labels: { team: 'web', rule: 'api-slow', origin: 'rule' },
    });
    // The percentile comes from the history sketch, within its 2 %.
    expect(pending?.summary).toMatch(
      /^p95\(api\.health\.latency, 5m\) > 1s: p95\(api\.health\.latency, 5m\) = 18\d\d ms$/,
    );
    expect(await notificationsOf(store.db)).toEqual([]);

    clock.advance(60_000);
    await samples(1_800, 6);
    expect((await alerting.engine.pass()).steps).toEqual({});
    clock.advance(60_000);
    await samples(1_800, 6);
    expect((await alerting.engine.pass()).steps).toEqual({ fire: 1 });
    expect((await notificationsOf(store.db)).map((n) => n.event)).toEqual(['firing']);

    clock.advance(6 * 60_000);
    await samples(120);
    expect((await alerting.engine.pass()).steps).toEqual({ resolve: 1 });
    expect((await notificationsOf(store.db)).map((n) => n.event)).toEqual(['firing', 'resolved']);
    expect(await recoveryLine(store.db, pending?.id)).toMatch(
      /^p95\(api\.health\.latency, 5m\) > 1s no longer holds after 6m: p95\(api\.health\.latency, 5m\) = 1\d\d ms$/,
    );
  });

  it('a rule that stops holding before for: is dropped without telling anyone', async () => {
    const alerting = alertingFor(store, clock, yaml);
    await samples(1_800);
    await alerting.engine.pass();
    clock.advance(6 * 60_000);
    await samples(100);
    expect((await alerting.engine.pass()).steps).toEqual({ drop: 1 });
    expect(await notificationsOf(store.db)).toEqual([]);
    const [dropped] = await listAlerts(store.db);
    expect(dropped?.state).toBe('resolved');
  });
});
