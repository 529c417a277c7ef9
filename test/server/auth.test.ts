import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, type Harness, startHarness } from './server-harness.js';

describe('API access', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves /health and /ready without a token', async () => {
    const health = await fetch(`${h.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${h.baseUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { store: { ok: true }, migrations: { ok: true } },
    });
  });

  it('answers 401 without a token, with a challenge and a hint', async () => {
    const res = await fetch(`${h.baseUrl}/api/v1/jobs`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = (await res.json()) as { error: { code: string; hint: string } };
    expect(body.error.code).toBe('AUTH_REQUIRED');
    expect(body.error.hint).toContain('dayshift token create');
  });

  it('answers 401 for a token that does not exist', async () => {
    const res = await fetch(`${h.baseUrl}/api/v1/jobs`, { headers: bearer('dst_notarealtoken') });
    expect(res.status).toBe(401);
  });

  it('answers 403 for a viewer on an operator route and 200 for an operator', async () => {
    const queued = await h.queue.enqueue('selftest', { steps: 0 }, { runAt: Date.now() + 3_600_000 });
    expect(queued).not.toBeNull();
    const id = queued!.id;
    const asViewer = await fetch(`${h.baseUrl}/api/v1/jobs/${id}/cancel`, {
      method: 'POST',
      headers: bearer(h.token.viewer),
    });
    expect(asViewer.status).toBe(403);
    expect(((await asViewer.json()) as { error: { code: string } }).error.code).toBe('AUTH_FORBIDDEN');
    expect((await h.queue.get(id))?.status).toBe('queued');

    const asOperator = await fetch(`${h.baseUrl}/api/v1/jobs/${id}/cancel`, {
      method: 'POST',
      headers: bearer(h.token.operator),
    });
    expect(asOperator.status).toBe(200);
    expect(((await asOperator.json()) as { job: { status: string } }).job.status).toBe('cancelled');

    const retried = await fetch(`${h.baseUrl}/api/v1/jobs/${id}/retry`, {
      method: 'POST',
      headers: bearer(h.token.operator),
    });
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { job: { status: string } }).job.status).toBe('queued');
  });

  it('lets a viewer read jobs and the queue health', async () => {
    const list = await fetch(`${h.baseUrl}/api/v1/jobs?limit=5`, { headers: bearer(h.token.viewer) });
    expect(list.status).toBe(200);
    expect(Array.isArray(((await list.json()) as { jobs: unknown[] }).jobs)).toBe(true);
    const queue = await fetch(`${h.baseUrl}/api/v1/queue`, { headers: bearer(h.token.viewer) });
    expect(queue.status).toBe(200);
    expect(await queue.json()).toHaveProperty('counts');
  });

  it('keeps token management for admins, and never lists token values', async () => {
    expect((await fetch(`${h.baseUrl}/api/v1/tokens`, { headers: bearer(h.token.operator) })).status).toBe(
      403,
    );
    const res = await fetch(`${h.baseUrl}/api/v1/tokens`, { headers: bearer(h.token.admin) });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(h.token.viewer);
    expect(text).not.toContain(h.token.admin);
    expect(JSON.parse(text).tokens.map((t: { name: string }) => t.name)).toEqual(['v', 'o', 'a']);
  });

  it('stores tokens hashed, and refuses a revoked token', async () => {
    const created = await fetch(`${h.baseUrl}/api/v1/tokens`, {
      method: 'POST',
      headers: { ...bearer(h.token.admin), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'short-lived', role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const rows = await h.store.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect((await fetch(`${h.baseUrl}/api/v1/jobs`, { headers: bearer(token) })).status).toBe(200);
    const revoked = await fetch(`${h.baseUrl}/api/v1/tokens/short-lived`, {
      method: 'DELETE',
      headers: bearer(h.token.admin),
    });
    expect(revoked.status).toBe(200);
    expect((await fetch(`${h.baseUrl}/api/v1/jobs`, { headers: bearer(token) })).status).toBe(401);
  });

  it('serves the OpenAPI document and the docs viewer to token holders only', async () => {
    expect((await fetch(`${h.baseUrl}/api/openapi.json`)).status).toBe(401);
    const doc = await fetch(`${h.baseUrl}/api/openapi.json`, { headers: bearer(h.token.viewer) });
    expect(doc.status).toBe(200);
    const openapi = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/jobs',
        '/api/v1/jobs/{id}',
        '/api/v1/jobs/{id}/retry',
        '/api/v1/jobs/{id}/events',
      ]),
    );
    const challenge = await fetch(`${h.baseUrl}/api/docs/`);
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toMatch(/^Basic/);
    const basic = Buffer.from(`me:${h.token.viewer}`).toString('base64');
    const page = await fetch(`${h.baseUrl}/api/docs/`, { headers: { authorization: `Basic ${basic}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });

  it('queues only requestable kinds through the API', async () => {
    const bad = await fetch(`${h.baseUrl}/api/v1/jobs`, {
      method: 'POST',
      headers: { ...bearer(h.token.operator), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'rm-rf' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('JOB_KIND_UNKNOWN');
  });
});
