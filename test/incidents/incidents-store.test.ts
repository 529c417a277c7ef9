import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertSignal, DEADLINE_KIND, Incidents } from '../../src/incidents/incidents.js';
import { readTimeline } from '../../src/incidents/records.js';
import { JobQueue } from '../../src/jobs/queue.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { refusal } from '../helpers/refusal.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

/**
 * The incident's life on both stores: open with its deadlines queued in the same transaction,
 * acknowledge (meeting the respond deadline), updates and notes, resolve; alerts that open one or
 * attach to the open one on their service, exactly once when two nodes see the same alert.
 */

const { config } = stackFrom(`
version: 1
services:
  web: { checks: { health: { http: { url: "http://127.0.0.1:9/" } } } }
  db: { checks: { up: { tcp: { host: 127.0.0.1, port: 9 } } } }
incidents:
  open_on: [ { severity: critical }, { labels: { team: payments } } ]
  severities:
    critical: { respond_within: 15m, update_every: 30m, resolve_within: 4h }
    high: { respond_within: 1h }
    low: { respond_within: 24h }
`);

const MIN = 60_000;

function alert(id: number, over: Partial<AlertSignal> = {}): AlertSignal {
  return {
    id,
    key: `check:web.health`,
    name: 'web.health',
    severity: 'critical',
    service: 'web',
    summary: 'status == 200 failed: got 500',
    labels: { service: 'web' },
    ...over,
  };
}

describe.each(STORE_KINDS)('incidents (%s store)', (kind) => {
  let test: TestStore;
  let store: Store;
  let other: Store;
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 9));
  let incidents: Incidents;
  let elsewhere: Incidents;

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    other = await test.open();
    incidents = new Incidents({ store, queue: new JobQueue(store, { clock }), clock, config });
    elsewhere = new Incidents({ store: other, queue: new JobQueue(other, { clock }), clock, config });
  });
  afterAll(() => test.destroy());

  it('opens an incident with its deadlines queued, and acknowledging meets the respond deadline', async () => {
    const opened = clock.now();
    const incident = await incidents.open({
      title: 'Checkout fails',
      severity: 'critical',
      services: ['web'],
      actor: 'cli:alice',
    });
    expect(incident).toMatchObject({ status: 'investigating', severity: 'critical', services: ['web'] });
    const jobs = await store.db
      .selectFrom('jobs')
      .select(['payload', 'run_at'])
      .where('kind', '=', DEADLINE_KIND)
      .orderBy('run_at')
      .execute();
    expect(jobs.map((j) => [JSON.parse(j.payload).deadline, Number(j.run_at) - opened])).toEqual([
      ['respond', 15 * MIN],
      ['update', 30 * MIN],
      ['resolve', 240 * MIN],
    ]);

    clock.advance(5 * MIN);
    const acked = await incidents.acknowledge(incident.id, 'cli:bob');
    expect(acked).toMatchObject({ acknowledgedBy: 'cli:bob', assignee: 'cli:bob' });
    expect((await refusal(incidents.acknowledge(incident.id, 'cli:carol'))).code).toBe(
      'INCIDENT_STATE_CONFLICT',
    );
    const timeline = await readTimeline(store.db, incident.id);
    expect(timeline.map((e) => e.type)).toEqual(['opened', 'acknowledged', 'deadline.met']);
    expect(timeline[2]?.data).toEqual({ deadline: 'respond', due: opened + 15 * MIN });
    await incidents.resolve(incident.id, { actor: 'cli:alice' });
  });

  it('keeps notes internal and updates public; an update queues the next update deadline', async () => {
    const incident = await incidents.open({ title: 'Slow API', severity: 'critical', actor: 'cli:alice' });
    clock.advance(10 * MIN);
    await incidents.note(incident.id, 'suspect the db pool', 'cli:alice');
    const updated = await incidents.update(incident.id, {
      text: 'Pool exhausted; raising the limit',
      status: 'identified',
      impact: 'checkout slow for all users',
      actor: 'cli:alice',
    });
    expect(updated).toMatchObject({ status: 'identified', impact: 'checkout slow for all users' });
    const publicOnly = await readTimeline(store.db, incident.id, { publicOnly: true });
    expect(publicOnly.map((e) => [e.type, e.text])).toEqual([
      ['opened', 'Slow API'],
      ['status', 'Pool exhausted; raising the limit'],
    ]);
    const next = await store.db
      .selectFrom('jobs')
      .select('run_at')
      .where('unique_key', '=', `incident:${incident.id}:update:${clock.now() + 30 * MIN}`)
      .executeTakeFirst();
    expect(next).toBeDefined();

    const resolved = await incidents.update(incident.id, {
      text: 'Back to normal',
      status: 'resolved',
      actor: 'cli:alice',
    });
    expect(resolved.status).toBe('resolved');
    expect((await refusal(incidents.update(incident.id, { text: 'x', actor: 'cli:alice' }))).code).toBe(
      'INCIDENT_STATE_CONFLICT',
    );
    await incidents.note(incident.id, 'postmortem on Friday', 'cli:alice');
    const types = (await readTimeline(store.db, incident.id)).map((e) => e.type);
    expect(types).toEqual(['opened', 'note', 'status', 'deadline.met', 'resolved', 'deadline.met', 'note']);
  });

  it('refuses an unknown severity or service, naming those the file has', async () => {
    const severity = await refusal(incidents.open({ title: 'x', severity: 'urgent', actor: 'a' }));
    expect(severity.hint).toContain('critical, high, low');
    const service = await refusal(
      incidents.open({ title: 'x', severity: 'high', services: ['nope'], actor: 'a' }),
    );
    expect(service.code).toBe('SERVICE_NOT_FOUND');
  });

  it('an alert opens an incident once, though two nodes see it at once; the next alert on the service attaches', async () => {
    // Two PostgreSQL connections race for real; SQLite's synchronous driver would block the one thread
    // both share, so there the second node sees the alert just after the first.
    const results =
      kind === 'postgres'
        ? await Promise.all([incidents.alertFired(alert(101)), elsewhere.alertFired(alert(101))])
        : [await incidents.alertFired(alert(101)), await elsewhere.alertFired(alert(101))];
    const opened = results.filter((r) => r?.opened);
    expect(opened).toHaveLength(1);
    const incident = opened[0]?.incident;
    if (!incident) throw new Error('no incident opened');
    expect(incident.title).toContain('web.health');

    const attached = await elsewhere.alertFired(alert(102, { key: 'rule:api-slow', severity: 'low' }));
    expect(attached).toMatchObject({ opened: false, incident: { id: incident.id } });
    expect(await incidents.alertFired(alert(102))).toBeUndefined();

    expect(await incidents.alertResolved(101, 'web.health is healthy again', clock.now())).toBe(true);
    expect(await elsewhere.alertResolved(101, 'web.health is healthy again', clock.now())).toBe(false);
    const types = (await readTimeline(store.db, incident.id)).map((e) => e.type);
    expect(types).toEqual(['opened', 'alert.firing', 'alert.firing', 'alert.resolved']);
    await incidents.resolve(incident.id, { actor: 'cli:alice' });
  });

  it('opens only for alerts open_on matches, by severity or by labels', async () => {
    expect(await incidents.alertFired(alert(201, { severity: 'high', service: 'db' }))).toBeUndefined();
    const byLabel = await incidents.alertFired(
      alert(202, { severity: 'medium', service: 'db', labels: { team: 'payments' } }),
    );
    // `medium` is not an incident severity here: the incident takes the least severe one the file has.
    expect(byLabel).toMatchObject({ opened: true, incident: { severity: 'low', services: ['db'] } });
  });
});
