import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DayshiftError, type ErrorCode } from '../../src/errors.js';
import { installErrorHandler } from '../../src/server/http-errors.js';
import { until } from '../helpers/wait.js';
import { bearer, type Harness, startHarness } from '../server/server-harness.js';
import { documentedAnswers } from './documented.js';

/** What the API answered: the status and the error body. */
async function answer(app: FastifyInstance, request: InjectOptions) {
  const response = await app.inject(request);
  return {
    status: response.statusCode,
    error: (response.json() as { error?: { code: string; message: string; hint?: string } }).error,
  };
}

describe("the server's error handler", () => {
  const app = Fastify();
  beforeAll(async () => {
    installErrorHandler(app);
    app.get<{ Params: { code: string } }>('/throw/:code', async (request) => {
      throw new DayshiftError(request.params.code as ErrorCode, `thrown as ${request.params.code}`, {
        hint: 'a hint',
      });
    });
    app.get('/bug', async () => {
      throw new Error('a bug with a detail the client must not see');
    });
    app.post('/body', { schema: { body: { type: 'object' } } }, async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(() => app.close());

  it('answers every code with the status docs/api.md gives it, in the house shape', async () => {
    const documented = documentedAnswers();
    expect(documented.size).toBeGreaterThan(20);
    for (const [code, { status }] of documented) {
      const got = await answer(app, { method: 'GET', url: `/throw/${code}` });
      expect(got.status, code).toBe(status);
      expect(got.error, code).toEqual({ code, message: `thrown as ${code}`, hint: 'a hint' });
    }
  });

  it('answers what is not a DayshiftError as INTERNAL, and says nothing of it', async () => {
    const got = await answer(app, { method: 'GET', url: '/bug' });
    expect(got.status).toBe(500);
    expect(got.error).toEqual({ code: 'INTERNAL', message: 'internal error; see the server log' });
  });

  it("gives the framework's own refusals their codes: not JSON is 415, broken JSON 400", async () => {
    const xml = await answer(app, {
      method: 'POST',
      url: '/body',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(xml.status).toBe(415);
    expect(xml.error?.code).toBe('MEDIA_TYPE_UNSUPPORTED');
    const broken = await answer(app, {
      method: 'POST',
      url: '/body',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    });
    expect(broken.status).toBe(400);
    expect(broken.error?.code).toBe('BAD_REQUEST');
  });
});

describe('API routes answer a missing thing with 404 and a state clash with 409', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('404: a job or a token that does not exist', async () => {
    const job = await answer(h.app, {
      method: 'GET',
      url: '/api/v1/jobs/999999',
      headers: bearer(h.token.viewer),
    });
    expect(job.status).toBe(404);
    expect(job.error?.code).toBe('JOB_NOT_FOUND');
    const token = await answer(h.app, {
      method: 'DELETE',
      url: '/api/v1/tokens/nobody',
      headers: bearer(h.token.admin),
    });
    expect(token.status).toBe(404);
    expect(token.error?.code).toBe('TOKEN_NOT_FOUND');
  });

  it('409: cancelling a job that completed, and a token name already in use', async () => {
    const queued = await h.queue.enqueue('selftest', { steps: 0 });
    const id = queued?.id as number;
    await until(async () => ((await h.queue.get(id))?.status === 'completed' ? true : undefined), 'the job');
    const cancel = await answer(h.app, {
      method: 'POST',
      url: `/api/v1/jobs/${id}/cancel`,
      headers: bearer(h.token.operator),
    });
    expect(cancel.status).toBe(409);
    expect(cancel.error).toMatchObject({
      code: 'JOB_STATE_CONFLICT',
      message: `job ${id} is already completed`,
    });
    expect((await h.queue.get(id))?.status).toBe('completed');

    const taken = await answer(h.app, {
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(h.token.admin),
      payload: { name: 'v', role: 'admin' },
    });
    expect(taken.status).toBe(409);
    expect(taken.error).toMatchObject({
      code: 'TOKEN_NAME_TAKEN',
      message: 'a token named "v" already exists',
    });
    expect((await h.tokens.list()).filter((t) => t.name === 'v').map((t) => t.role)).toEqual(['viewer']);
  });
});
