import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/util/input-bounds.js';
import { type FullNode, startFullNode } from './full-node.js';

const run = promisify(execFile);
const CLI = path.resolve('src/cli/main.ts');
const YEAR = 365.25 * 86_400_000;

/**
 * Names that are JavaScript's own (issue 14 item 8) and bounds on every input (item 9), through the
 * API of a serving node and through the CLI. The node claims no jobs, so what is queued stays queued.
 */
describe('names and bounds of API and CLI input', () => {
  let n: FullNode;

  beforeAll(async () => {
    n = await startFullNode({ concurrency: 0 });
  });
  afterAll(async () => {
    await n?.node.stop('test over');
  });

  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [
        '--import',
        'tsx',
        CLI,
        '--config',
        n.configPath,
        ...args,
      ]);
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const expectHouseError = (body: unknown, code: string) => {
    expect(body).toMatchObject({ error: { code, message: expect.any(String) } });
  };
  const jobCount = async () => (await n.call('GET', '/api/v1/jobs?limit=1000')).body.jobs.length as number;

  describe("item 8: names that are JavaScript's own", () => {
    const OWN = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

    it('a backup named after an Object.prototype member is not found, and nothing is queued', async () => {
      const before = await jobCount();
      for (const name of OWN) {
        for (const url of [`/api/v1/backups/${name}`, `/api/v1/backups/${name}/runs`]) {
          const answer = await n.call('GET', url);
          expect(answer.status, url).toBe(404);
          expectHouseError(answer.body, 'NOT_FOUND');
          expect(answer.body.error.message).toContain(name);
        }
        for (const action of ['run', 'drill', 'verify']) {
          const answer = await n.call('POST', `/api/v1/backups/${name}/${action}`);
          expect(answer.status, `${name} ${action}`).toBe(404);
          expectHouseError(answer.body, 'NOT_FOUND');
        }
        const restore = await n.call('POST', `/api/v1/backups/${name}/restore`, { body: { force: true } });
        expect(restore.status).toBe(404);
      }
      expect(await jobCount()).toBe(before);
      // The lookup still finds the real one, and still guesses a typo.
      expect((await n.call('GET', '/api/v1/backups/app')).status).toBe(200);
      expect((await n.call('GET', '/api/v1/backups/ap')).body.error.hint).toBe('did you mean `app`?');
    });

    it('checks, tokens, job kinds and heartbeats named so are not found either', async () => {
      for (const name of OWN) {
        expect((await n.call('GET', `/api/v1/checks/${name}`)).status).toBe(404);
        expect((await n.call('POST', `/api/v1/checks/${name}/run`)).status).toBe(404);
        expect((await n.call('DELETE', `/api/v1/tokens/${name}`)).status).toBe(404);
        const kind = await n.call('POST', '/api/v1/jobs', { body: { kind: name } });
        expect(kind.status).toBe(400);
        expectHouseError(kind.body, 'JOB_KIND_UNKNOWN');
        const ping = await n.call('POST', `/ping/${name}`);
        expect(ping.status).toBe(404);
        expectHouseError(ping.body, 'NOT_FOUND');
        const window = await n.call('POST', '/api/v1/maintenance', {
          body: { name: 'w', duration: '1h', services: [name] },
        });
        expect(window.status).toBe(400);
        expect(window.body.error.message).toBe(`no service named "${name}" in the stack file`);
      }
    });

    it('the CLI answers such names with its not-found exit code and no stack trace', async () => {
      const cases = [
        ['backup', 'run', '__proto__'],
        ['smoke', 'constructor'],
        ['notify', 'test', '__proto__'],
      ];
      // One at a time: each is a whole process, and the machine is shared with other test files.
      const results = [];
      for (const args of cases) results.push(await cli(...args));
      for (const [i, result] of results.entries()) {
        const name = cases[i]?.at(-1) as string;
        expect(result.code, cases[i]?.join(' ')).toBe(2);
        expect(result.stderr).toContain(name);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      expect(results[0]?.stderr).toContain('no backup named __proto__ in the stack file');
    });
  });

  describe('item 9: bounds on API input', () => {
    it('a token name of 1 MB, of 201 characters or with a control character is refused; 200 are fine', async () => {
      for (const name of ['x'.repeat(1_000_000), 'x'.repeat(LIMITS.name + 1), 'bad\u0000name', 'tab\tname']) {
        const answer = await n.call('POST', '/api/v1/tokens', { body: { name, role: 'viewer' } });
        expect(answer.status).toBe(400);
        expectHouseError(answer.body, 'BAD_REQUEST');
        expect(answer.text.length).toBeLessThan(1_000);
      }
      const ok = await n.call('POST', '/api/v1/tokens', { body: { name: 'y'.repeat(200), role: 'viewer' } });
      expect(ok.status).toBe(201);
    });

    it('an acknowledgement comment over 10,000 characters is refused', async () => {
      const answer = await n.call('POST', '/api/v1/alerts/1/ack', {
        body: { comment: 'c'.repeat(LIMITS.text + 1) },
      });
      expect(answer.status).toBe(400);
      expectHouseError(answer.body, 'BAD_REQUEST');
    });

    it('a request line past 16 KiB is a 431 in the house error shape', async () => {
      const answer = await n.call('POST', `/api/v1/backups/${'x'.repeat(20_000)}/run`);
      expect(answer.status).toBe(431);
      expectHouseError(answer.body, 'HEADERS_TOO_LARGE');
    });

    it('a body over 1 MiB is a 413 in the house error shape', async () => {
      const answer = await n.call('POST', '/api/v1/tokens', {
        body: { name: 'x'.repeat(LIMITS.bodyBytes), role: 'viewer' },
      });
      expect(answer.status).toBe(413);
      expectHouseError(answer.body, 'BODY_TOO_LARGE');
    });

    it('a silence with 10,000 matchers, or ending in the year 10^20 or eleven years ahead, is refused', async () => {
      const many = Array.from({ length: 10_000 }, (_, i) => `service=s${i}`);
      expect(
        (await n.call('POST', '/api/v1/silences', { body: { matchers: many, duration: '1h' } })).status,
      ).toBe(400);
      const hundred = many.slice(0, LIMITS.items);
      expect(
        (await n.call('POST', '/api/v1/silences', { body: { matchers: hundred, duration: '1h' } })).status,
      ).toBe(201);
      for (const body of [
        { matchers: ['service=web'], ends_at: 1e20 },
        { matchers: ['service=web'], ends_at: Date.now() + 11 * YEAR },
        { matchers: ['service=web'], duration: '99999999999999999999d' },
        { matchers: ['service=web'], duration: '4000d' },
        { matchers: ['service=web'], duration: '1h', starts_at: -1 },
        { matchers: ['service=web'], duration: '1h', starts_at: 1.5e12 + 0.5 },
        { matchers: [`service=${'x'.repeat(LIMITS.expression)}`], duration: '1h' },
        { matchers: ['service=web'], duration: '1h', comment: 'c'.repeat(LIMITS.text + 1) },
      ]) {
        const answer = await n.call('POST', '/api/v1/silences', { body });
        expect(answer.status, JSON.stringify(body).slice(0, 120)).toBe(400);
        expectHouseError(answer.body, 'BAD_REQUEST');
      }
    });

    it('maintenance windows at -1 or 2^63, too long, or naming unknown services are refused', async () => {
      for (const body of [
        { name: 'w', duration: '1h', starts_at: -1 },
        { name: 'w', duration: '1h', starts_at: 2 ** 63 },
        { name: 'w', duration: '1h', starts_at: Date.now() + 11 * YEAR },
        { name: 'w', duration: '4000d' },
        { name: 'w', duration: '1h', services: Array.from({ length: LIMITS.items + 1 }, () => 'web') },
        { name: 'n'.repeat(LIMITS.name + 1), duration: '1h' },
      ]) {
        const answer = await n.call('POST', '/api/v1/maintenance', { body });
        expect(answer.status, JSON.stringify(body).slice(0, 120)).toBe(400);
        expectHouseError(answer.body, 'BAD_REQUEST');
      }
      const typo = await n.call('POST', '/api/v1/maintenance', {
        body: { name: 'w', duration: '1h', services: ['web', 'wrker'] },
      });
      expect(typo.status).toBe(400);
      expect(typo.body.error).toEqual({
        code: 'BAD_REQUEST',
        message: 'no service named "wrker" in the stack file',
        hint: 'did you mean `worker`?',
      });
      const ok = await n.call('POST', '/api/v1/maintenance', {
        body: { name: 'upgrade', duration: '1h', services: ['web', 'worker'] },
      });
      expect(ok.status).toBe(201);
    });

    it('a job at 9e18, too far ahead, with a huge priority or a deeply nested payload is refused', async () => {
      const before = await jobCount();
      let deep: unknown = 1;
      for (let i = 0; i < LIMITS.jsonDepth + 1; i++) deep = [deep];
      for (const body of [
        { kind: 'selftest', runAt: 9e18 },
        { kind: 'selftest', runAt: Date.now() + 11 * YEAR },
        { kind: 'selftest', runAt: -1 },
        { kind: 'selftest', priority: 2 ** 40 },
        { kind: 'selftest', payload: deep },
        { kind: 'selftest', uniqueKey: 'k'.repeat(LIMITS.expression + 1) },
      ]) {
        const answer = await n.call('POST', '/api/v1/jobs', { body });
        expect(answer.status, JSON.stringify(body).slice(0, 120)).toBe(400);
        expectHouseError(answer.body, 'BAD_REQUEST');
      }
      expect(await jobCount()).toBe(before);
      const ok = await n.call('POST', '/api/v1/jobs', {
        body: { kind: 'selftest', runAt: Date.now() + 86_400_000, payload: { steps: 1 } },
      });
      expect(ok.status).toBe(201);
    });

    it('ids past a safe integer are refused, or not found, never a server error', async () => {
      expect((await n.call('GET', '/api/v1/jobs/1e300')).status).toBe(400);
      expect((await n.call('POST', '/api/v1/jobs/99999999999999999999/retry')).status).toBe(400);
      expect((await n.call('DELETE', '/api/v1/silences/-1')).status).toBe(400);
      expect((await n.call('DELETE', '/api/v1/tokens/99999999999999999999999')).status).toBe(404);
    });

    it('a Last-Event-ID that is no sequence number replays the stream from the start', async () => {
      const queued = await n.call('POST', '/api/v1/jobs', { body: { kind: 'selftest' } });
      const id = queued.body.job.id as number;
      expect((await n.call('POST', `/api/v1/jobs/${id}/cancel`)).status).toBe(200);
      for (const resume of ['1e300', '-5', 'abc']) {
        const response = await fetch(`${n.base}/api/v1/jobs/${id}/events`, {
          headers: { authorization: `Bearer ${n.token.viewer}`, 'last-event-id': resume },
        });
        expect(response.status).toBe(200);
        const text = await response.text();
        expect(text, resume).toContain('event: cancelled');
        expect(text).toContain('event: end');
      }
    });

    it('the OpenAPI document shows the bounds', async () => {
      const doc = (await n.call('GET', '/api/openapi.json')).body;
      const body = (route: string) =>
        doc.paths[route].post.requestBody.content['application/json'].schema.properties;
      expect(body('/api/v1/tokens').name).toMatchObject({ maxLength: LIMITS.name });
      expect(body('/api/v1/silences').matchers).toMatchObject({ maxItems: LIMITS.items });
      expect(body('/api/v1/silences').ends_at).toMatchObject({ minimum: LIMITS.earliestMs });
      expect(body('/api/v1/maintenance').services).toMatchObject({ maxItems: LIMITS.items });
      expect(body('/api/v1/jobs').runAt).toMatchObject({ maximum: LIMITS.latestMs });
    });
  });

  describe('item 9: the same bounds through the CLI', () => {
    it('refuses a long token name, too many matchers, too long a silence or comment with exit 2', async () => {
      const results = [
        await cli('token', 'create', '--role', 'viewer', '--name', 'x'.repeat(LIMITS.name + 1)),
        await cli('silence', ...Array.from({ length: LIMITS.items + 1 }, (_, i) => `service=s${i}`)),
        await cli('silence', 'service=web', '--for', '4000d'),
        await cli('ack', '1', '--comment', 'c'.repeat(LIMITS.text + 1)),
      ];
      for (const result of results) {
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/^error: /);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      expect(results[0]?.stderr).toContain('a name has at most 200 characters');
      expect(results[1]?.stderr).toContain('the silence has 101 items');
      expect(results[2]?.stderr).toContain('--for');
      expect(results[3]?.stderr).toContain(`the comment has ${LIMITS.text + 1} characters`);
    });
  });
});
