import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseKind } from '../../src/deploys/release.js';
import { type BeginRelease, Releases } from '../../src/deploys/releases.js';
import type { DayshiftError } from '../../src/errors.js';
import { Secret } from '../../src/schema/secret.js';
import type { Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { refusal } from '../helpers/refusal.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';

/**
 * The releases store on both backends: a release's life (begin, applied, backup, notes, settled),
 * the settlements it refuses, which release is live, where a rollback goes (known-good), which images
 * retention keeps, and how `rollback --to` names a release.
 */

const REPO = '127.0.0.1:5000/app';
/** A real-looking repository digest: 64 hex characters, from a seed. */
const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');
const image = (seed: string) => `${REPO}@sha256:${hex(seed)}`;
const commit = (seed: string) => hex(seed).slice(0, 40);

describe.each(STORE_KINDS)('releases (%s store)', (kind) => {
  let test: TestStore;
  let store: Store;
  let other: Store;
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 9));
  let releases: Releases;
  /** The same store through another connection, as another node writes it. */
  let elsewhere: Releases;
  let services = 0;

  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await test.open();
    other = await test.open();
    releases = new Releases(store.db, clock);
    elsewhere = new Releases(other.db, clock);
  });
  afterAll(async () => {
    await test?.destroy();
  });

  /** A service name of its own for each test, so the tests share one store without seeing each other. */
  const freshService = () => `web${++services}`;

  function begin(service: string, target: string, more: Partial<BeginRelease> = {}) {
    clock.advance(60_000);
    const kindOf: ReleaseKind = target.includes('@') ? 'image' : 'ref';
    return releases.begin({
      service,
      kind: kindOf,
      target,
      requested: `${REPO}:latest`,
      action: 'deploy',
      runId: null,
      by: 'cli:ops@host',
      previousId: null,
      ...more,
    });
  }

  /** A release carried to its end: applied (unless `applied: false`) and settled. */
  async function deployed(
    service: string,
    target: string,
    end: 'verified' | 'failed',
    more: Partial<BeginRelease> & { applied?: boolean } = {},
  ) {
    const { applied = true, ...rest } = more;
    const release = await begin(service, target, rest);
    if (applied) await releases.applied(release.id);
    return releases.settle(release.id, end);
  }

  it('records a release as deploying, then applied, bound to a backup, noted and verified', async () => {
    const service = freshService();
    const started = clock.now() + 60_000;
    const release = await begin(service, image('v2'), { requested: 'app:v2', runId: 41, previousId: 7 });
    expect(release).toEqual({
      id: expect.any(Number),
      service,
      kind: 'image',
      target: image('v2'),
      requested: 'app:v2',
      action: 'deploy',
      runId: 41,
      state: 'deploying',
      knownGood: false,
      createdBy: 'cli:ops@host',
      createdAt: started,
      appliedAt: null,
      finishedAt: null,
      previousId: 7,
      backup: null,
      detail: null,
    });
    expect(await releases.live(service)).toBeUndefined();

    await releases.note(release.id, { gates: [{ gate: 'env', ok: true }] });
    const bound = await releases.bindBackup(release.id, { backup: 'db', snapshot: '20261201T0900-ab12' });
    expect(bound.backup).toEqual({ backup: 'db', snapshot: '20261201T0900-ab12' });
    clock.advance(5_000);
    const applied = await releases.applied(release.id);
    expect(applied.appliedAt).toBe(started + 5_000);
    await releases.note(release.id, { apply: { sideBySide: false, downtimeMs: 800 } });
    clock.advance(20_000);
    const verified = await releases.settle(release.id, 'verified', {
      verification: { healthyAfterMs: 12_000 },
    });
    expect(verified).toMatchObject({ state: 'verified', knownGood: true, finishedAt: started + 25_000 });
    // Each note added its keys; none replaced another's.
    expect(verified.detail).toEqual({
      gates: [{ gate: 'env', ok: true }],
      apply: { sideBySide: false, downtimeMs: 800 },
      verification: { healthyAfterMs: 12_000 },
    });
    expect(await releases.get(release.id)).toEqual(verified);
    expect(await releases.get(999_999)).toBeUndefined();
  });

  it('refuses a target that is not pinned: a tag, a branch, a short commit', async () => {
    const service = freshService();
    for (const [kindOf, target] of [
      ['image', `${REPO}:v2`],
      ['image', `${REPO}@sha256:${hex('x').slice(0, 20)}`],
      ['ref', 'main'],
      ['ref', commit('c').slice(0, 12)],
      ['ref', image('v1')],
    ] as const) {
      const error = await refusal(
        releases.begin({
          service,
          kind: kindOf,
          target,
          requested: target,
          action: 'deploy',
          runId: null,
          by: 'cli:ops@host',
          previousId: null,
        }),
      );
      expect(error.code, target).toBe('BAD_REQUEST');
    }
    expect(await releases.list(service)).toEqual([]);
  });

  it('settles a release once, except that a crash settlement resolves an interrupted one', async () => {
    const service = freshService();
    const verified = await deployed(service, image('v1'), 'verified');
    for (const to of ['failed', 'interrupted', 'verified'] as const) {
      const error = await refusal(releases.settle(verified.id, to));
      expect(error.code).toBe('RUN_STATE_CONFLICT');
      expect(error.message).toContain(`is verified; it cannot become ${to}`);
    }
    const failed = await deployed(service, image('v2'), 'failed');
    expect((await refusal(releases.settle(failed.id, 'verified'))).code).toBe('RUN_STATE_CONFLICT');
    expect(failed.knownGood).toBe(false);

    // Its process died: another node marks it interrupted, then resolves it either way, once.
    const crashed = await begin(service, image('v3'));
    await releases.applied(crashed.id);
    await elsewhere.settle(crashed.id, 'interrupted', { interrupted: 'node web-1 died' });
    expect((await refusal(elsewhere.settle(crashed.id, 'interrupted'))).code).toBe('RUN_STATE_CONFLICT');
    const resolved = await elsewhere.settle(crashed.id, 'verified', { settledBy: 'node web-2' });
    expect(resolved).toMatchObject({ state: 'verified', knownGood: true });
    expect(resolved.detail).toEqual({ interrupted: 'node web-1 died', settledBy: 'node web-2' });

    const other = await begin(service, image('v4'));
    await releases.settle(other.id, 'interrupted');
    expect((await releases.settle(other.id, 'failed')).state).toBe('failed');

    // Only a deploying release is applied or takes a backup.
    expect((await refusal(releases.applied(failed.id))).code).toBe('RUN_STATE_CONFLICT');
    const late = await refusal(releases.bindBackup(verified.id, { backup: 'db', snapshot: 's' }));
    expect(late.code).toBe('RUN_STATE_CONFLICT');
    expect((await refusal(releases.settle(424_242, 'failed'))).code).toBe('NOT_FOUND');
  });

  it('lets one of two settlements at once win, and loses no note written at the same time', async () => {
    const service = freshService();
    const release = await begin(service, image('race'));
    await releases.applied(release.id);
    const outcomes = await Promise.allSettled([
      releases.settle(release.id, 'verified'),
      elsewhere.settle(release.id, 'failed'),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as DayshiftError).code).toBe('RUN_STATE_CONFLICT');

    await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? releases : elsewhere).note(release.id, { [`k${i}`]: i })),
    );
    const detail = (await releases.get(release.id))?.detail ?? {};
    expect(Object.keys(detail).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
  });

  it('keeps a secret value out of what it records', async () => {
    const canary = 'canary-release-secret-51c2';
    new Secret(canary);
    const service = freshService();
    const release = await begin(service, image('s'), { requested: `app:v2?token=${canary}` });
    const noted = await releases.note(release.id, { failure: { error: `smoke step login sent ${canary}` } });
    expect(JSON.stringify(noted)).not.toContain(canary);
    expect(noted.requested).toContain('[redacted]');
  });

  it('says which release is live: the newest applied one, a failed one only while left in place', async () => {
    const service = freshService();
    expect(await releases.live(service)).toBeUndefined();
    const v1 = await deployed(service, image('v1'), 'verified');
    expect((await releases.live(service))?.id).toBe(v1.id);

    // Begun but not applied (gates, pull): the old one still runs.
    const v2 = await begin(service, image('v2'), { previousId: v1.id });
    expect((await releases.live(service))?.id).toBe(v1.id);
    // Applied and being verified: the new one runs.
    await releases.applied(v2.id);
    expect((await releases.live(service))?.id).toBe(v2.id);
    // Failed and left in place (rollback: manual): it still runs.
    await releases.settle(v2.id, 'failed');
    expect((await releases.live(service))?.id).toBe(v2.id);
    // The rollback is a release of its own; once applied it is live, before then not.
    const back = await begin(service, v1.target, { action: 'rollback', by: 'auto', previousId: v2.id });
    expect((await releases.live(service))?.id).toBe(v2.id);
    await releases.applied(back.id);
    expect((await releases.live(service))?.id).toBe(back.id);
    await releases.settle(back.id, 'verified');
    // A deploy stopped by a gate never ran.
    await deployed(service, image('v3'), 'failed', { applied: false });
    expect((await releases.live(service))?.id).toBe(back.id);
    // Another service's releases are not this one's.
    await deployed(freshService(), image('v9'), 'verified');
    expect((await releases.live(service))?.id).toBe(back.id);
  });

  it('finds the last known-good release other than the failing target, and the targets retention keeps', async () => {
    const service = freshService();
    expect(await releases.lastKnownGood(service)).toBeUndefined();
    expect(await releases.knownGoodTargets(service, 3)).toEqual([]);
    const v1 = await deployed(service, image('v1'), 'verified');
    const v2 = await deployed(service, image('v2'), 'verified');
    await deployed(service, image('v3'), 'failed');
    expect((await releases.lastKnownGood(service))?.id).toBe(v2.id);
    // v2 was redeployed and is what fails now: the rollback goes further back.
    expect((await releases.lastKnownGood(service, { except: image('v2') }))?.id).toBe(v1.id);
    expect(await releases.lastKnownGood(service, { except: image('v1') })).toMatchObject({ id: v2.id });

    const v1again = await deployed(service, image('v1'), 'verified', { action: 'rollback' });
    await deployed(service, image('v4'), 'verified');
    // A target deployed twice counts once; the failed v3 is never kept for it.
    expect(await releases.knownGoodTargets(service, 2)).toEqual([image('v4'), image('v1')]);
    expect(await releases.knownGoodTargets(service, 5)).toEqual([image('v4'), image('v1'), image('v2')]);
    expect(await releases.knownGoodTargets(service, 0)).toEqual([]);
    expect((await releases.lastKnownGood(service, { except: image('v4') }))?.id).toBe(v1again.id);
  });

  it('lists releases newest first, of one service or all, up to a limit', async () => {
    const service = freshService();
    const a = await deployed(service, image('a'), 'verified');
    const b = await deployed(service, image('b'), 'failed');
    const c = await begin(service, image('c'));
    expect((await releases.list(service)).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
    expect((await releases.list(service, { limit: 2 })).map((r) => r.id)).toEqual([c.id, b.id]);
    expect((await releases.list(undefined, { limit: 1 })).map((r) => r.id)).toEqual([c.id]);
    expect((await releases.unsettled(service)).map((r) => r.id)).toEqual([c.id]);
  });

  it('finds a release for rollback --to by id, digest, commit or tag, and refuses what is unclear', async () => {
    const service = freshService();
    const v1 = await deployed(service, image('v1'), 'verified', { requested: 'app:v1' });
    const v2 = await deployed(service, image('v2'), 'verified', { requested: 'app:stable' });
    // The tag moved: the same name now points at another digest.
    const v3 = await deployed(service, image('v3'), 'failed', { requested: 'app:stable' });
    // v1 deployed again but failed this time: naming v1 still gives its known-good release.
    await deployed(service, image('v1'), 'failed', { requested: 'app:v1' });

    expect((await releases.find(service, String(v2.id))).id).toBe(v2.id);
    expect((await releases.find(service, `#${v3.id}`)).id).toBe(v3.id);
    expect((await releases.find(service, `sha256:${hex('v2').slice(0, 12)}`)).id).toBe(v2.id);
    expect((await releases.find(service, hex('v2').slice(0, 16).toUpperCase())).id).toBe(v2.id);
    expect((await releases.find(service, `${REPO}@sha256:${hex('v1').slice(0, 20)}`)).id).toBe(v1.id);
    expect((await releases.find(service, image('v1'))).id).toBe(v1.id);
    expect((await releases.find(service, 'app:v1')).id).toBe(v1.id);

    const moved = await refusal(releases.find(service, 'app:stable'));
    expect(moved.code).toBe('BAD_REQUEST');
    expect(moved.message).toContain('names 2 targets');
    expect(moved.hint).toContain(`#${v3.id} ${REPO}@sha256:${hex('v3').slice(0, 12)}`);
    expect(moved.hint).toContain(`#${v2.id} `);

    const tooShort = await refusal(releases.find(service, 'sha256:abc'));
    expect(tooShort.code).toBe('BAD_REQUEST');
    expect(tooShort.hint).toContain('at least 12');

    const missing = await refusal(releases.find(service, `sha256:${'0'.repeat(12)}`));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.hint).toContain(`recent releases of ${service}: #`);
    expect(missing.hint).toContain(`#${v2.id} ${REPO}@sha256:${hex('v2').slice(0, 12)} verified, known-good`);
    // Another service's release is not this one's, even by id.
    const elsewhereRelease = await deployed(freshService(), image('v1'), 'verified');
    expect((await refusal(releases.find(service, `#${elsewhereRelease.id}`))).code).toBe('NOT_FOUND');
    expect((await refusal(releases.find(freshService(), 'app:v1'))).hint).toContain('has no releases yet');
  });

  it('finds a ref release by its commit prefix, and refuses a prefix two targets share', async () => {
    const service = freshService();
    const first = await deployed(service, commit('r1'), 'verified', { requested: 'main' });
    await deployed(service, commit('r2'), 'verified', { requested: 'main' });
    expect((await releases.find(service, commit('r1').slice(0, 7))).id).toBe(first.id);
    expect((await refusal(releases.find(service, 'main'))).code).toBe('BAD_REQUEST');
    expect((await refusal(releases.find(service, commit('r1').slice(0, 5)))).code).toBe('BAD_REQUEST');

    // Two digests that share their first 12 characters: the prefix is ambiguous, a longer one is not.
    const shared = 'abcdef012345';
    const d1 = `${REPO}@sha256:${shared}${hex('d1').slice(12)}`;
    const d2 = `${REPO}@sha256:${shared}${hex('d2').slice(12)}`;
    await deployed(service, d1, 'verified');
    const second = await deployed(service, d2, 'verified');
    expect((await refusal(releases.find(service, `sha256:${shared}`))).code).toBe('BAD_REQUEST');
    expect((await releases.find(service, `sha256:${shared}${hex('d2').slice(12, 16)}`)).id).toBe(second.id);
  });
});
