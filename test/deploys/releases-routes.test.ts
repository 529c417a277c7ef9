import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Release } from '../../src/deploys/release.js';
import { Releases } from '../../src/deploys/releases.js';
import { releasesRoutes } from '../../src/deploys/releases-routes.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.js';
import { bearer, type Harness, startHarness } from '../server/server-harness.js';

/**
 * GET /api/v1/releases and /api/v1/releases/:id on a real server (auth, validation, error answers and
 * the OpenAPI document as a node has them), over both stores: what a viewer reads, filtered by service
 * and bounded, one release with its detail and backup, and the refusals.
 */
const digest = (seed: string) =>
  `127.0.0.1:5000/app@sha256:${createHash('sha256').update(seed).digest('hex')}`;

describe.each(STORE_KINDS)('the releases API (%s store)', (kind) => {
  let test: TestStore;
  let harness: Harness;
  let releases: Releases;
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 9));
  const seeded: Release[] = [];

  beforeAll(async () => {
    test = await createTestStore(kind);
    harness = await startHarness({
      pgUrl: test.options.url,
      features: (store) => {
        releases = new Releases(store.db, clock);
        return [{ routes: releasesRoutes(releases) }];
      },
    });
    const begin = (service: string, seed: string) =>
      releases.begin({
        service,
        kind: 'image',
        target: digest(seed),
        requested: `app:${seed}`,
        action: 'deploy',
        runId: 3,
        by: 'api:deployer',
        previousId: null,
      });
    const v1 = await begin('web', 'v1');
    await releases.applied(v1.id);
    seeded.push(await releases.settle(v1.id, 'verified'));
    const v2 = await begin('web', 'v2');
    await releases.bindBackup(v2.id, { backup: 'db', snapshot: 'snap-1' });
    await releases.applied(v2.id);
    seeded.push(await releases.settle(v2.id, 'failed', { failure: { step: 'smoke', error: 'login 500' } }));
    seeded.push(await begin('worker', 'w1'));
  });
  afterAll(async () => {
    await harness?.close();
    await test?.destroy();
  });

  /** GET as a viewer, or with no token at all (`null`). */
  const get = async (path: string, token: string | null = harness.token.viewer) => {
    const response = await fetch(`${harness.baseUrl}/api/v1${path}`, {
      headers: token ? bearer(token) : {},
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('lists releases newest first for a viewer, of one service with ?service=, bounded by ?limit=', async () => {
    const [v1, v2, w1] = seeded as [Release, Release, Release];
    const all = await get('/releases');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ releases: [w1, v2, v1] });
    const web = await get('/releases?service=web&limit=1');
    expect(web.body).toEqual({ releases: [v2] });
    expect(v2).toMatchObject({
      state: 'failed',
      knownGood: false,
      backup: { backup: 'db', snapshot: 'snap-1' },
      detail: { failure: { step: 'smoke', error: 'login 500' } },
      target: digest('v2'),
    });
    expect((await get('/releases?service=nothing')).body).toEqual({ releases: [] });
  });

  it('answers one release by id, and 404 for an id that is none', async () => {
    const v1 = seeded[0] as Release;
    const one = await get(`/releases/${v1.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ release: { ...v1, knownGood: true, state: 'verified' } });
    const missing = await get('/releases/987654');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      error: { code: 'NOT_FOUND', message: 'there is no release 987654' },
    });
  });

  it('refuses a request without a token, and queries past their bounds', async () => {
    expect((await get('/releases', null)).status).toBe(401);
    expect((await get('/releases/1', null)).status).toBe(401);
    for (const path of ['/releases?limit=0', '/releases?limit=1001', '/releases?colour=red', '/releases/abc'])
      expect((await get(path)).body, path).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('is in the OpenAPI document', async () => {
    const response = await fetch(`${harness.baseUrl}/api/openapi.json`, {
      headers: bearer(harness.token.viewer),
    });
    const doc = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/releases', '/api/v1/releases/{id}']),
    );
  });
});
