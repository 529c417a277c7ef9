import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatStore, PINGS_KEPT, type PingSignal } from '../../src/monitor/heartbeats.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

/** The ping log in the store: bounded per check, and durations paired as Healthchecks pairs them. */
describe.each(STORE_KINDS)('the heartbeat ping log on %s', (kind) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let testStore: TestStore;
  let store: Store;
  let pings: HeartbeatStore;
  const signal = (s: Partial<PingSignal>): PingSignal => ({
    kind: 'success',
    method: 'POST',
    body: '',
    bodyBytes: 0,
    ...s,
  });

  beforeAll(async () => {
    testStore = await createTestStore(kind);
    store = await testStore.open();
    pings = new HeartbeatStore(store.db, clock);
    await pings.ensure([{ id: 'cron.a' }, { id: 'cron.b' }]);
  });
  afterAll(async () => {
    await testStore?.destroy();
  });

  it('keeps the newest pings of each check and prunes the rest, leaving other checks alone', async () => {
    await pings.ping('cron.b', signal({ body: 'b' }));
    for (let i = 1; i <= 2 * PINGS_KEPT + 50; i++) {
      clock.advance(1_000);
      await pings.ping('cron.a', signal({ body: `run ${i}` }));
    }
    const count = async (id: string) =>
      Number(
        (
          await store.db
            .selectFrom('heartbeat_pings')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('check_id', '=', id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('cron.a')).toBeGreaterThanOrEqual(PINGS_KEPT);
    expect(await count('cron.a')).toBeLessThan(2 * PINGS_KEPT);
    expect(await count('cron.b')).toBe(1);
    const newest = await pings.recent('cron.a', PINGS_KEPT);
    expect(newest).toHaveLength(PINGS_KEPT);
    expect(newest[0]?.body).toBe(`run ${2 * PINGS_KEPT + 50}`);
    expect(newest.at(-1)?.body).toBe(`run ${PINGS_KEPT + 51}`);
  });

  it('ends a run with a failure whatever its run id, and keeps a start open for a finish of another id', async () => {
    await pings.ping('cron.b', signal({ kind: 'start', rid: 'a' }));
    await pings.ping('cron.b', signal({ rid: 'b' }));
    expect((await pings.pings('cron.b'))?.lastStartAt).toBe(clock.now());
    clock.advance(2_000);
    await pings.ping('cron.b', signal({ kind: 'fail', rid: 'c', exitStatus: 7, body: 'oops' }));
    const after = await pings.pings('cron.b');
    expect(after?.lastStartAt).toBeUndefined();
    expect(after?.lastFailure).toEqual({ exitStatus: 7, body: 'oops' });
    expect(after?.lastDurationMs).toBeUndefined();
  });
});
