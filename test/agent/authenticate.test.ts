import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authenticate } from '../../src/agent/authenticate.js';
import { NonceMemory } from '../../src/agent/nonce-memory.js';
import { HEADERS, signedHeaders, WINDOW_MS } from '../../src/drivers/shared/agent-signature.js';
import { DayshiftError } from '../../src/errors.js';
import { Secret } from '../../src/schema/secret.js';

/**
 * The agent's check of one request, on a clock the test moves: what a signature covers (a byte of
 * the method, path or body changed is refused), the ±30 s window both ways, and that a nonce is
 * remembered exactly as long as its request could still be accepted.
 */
const token = randomBytes(32).toString('hex');
const secret = new Secret(token);
const T0 = Date.UTC(2026, 11, 7, 12);
const PATH = '/v1/services/web/restart';
const BODY = '{"timeoutMs":1000}';

function check(
  nonces: NonceMemory,
  headers: Record<string, string>,
  now: number,
  request: { method?: string; path?: string; body?: string } = {},
): string {
  try {
    authenticate(
      secret,
      nonces,
      {
        method: request.method ?? 'POST',
        path: request.path ?? PATH,
        headers,
        body: Buffer.from(request.body ?? BODY),
      },
      now,
    );
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(DayshiftError);
    expect((error as DayshiftError).code).toBe('AGENT_AUTH_FAILED');
    return (error as DayshiftError).message.split(':')[0] as string;
  }
}

describe('authenticate', () => {
  const sign = (now: number, body = BODY) => signedHeaders(token, { method: 'POST', path: PATH, body }, now);

  it.each([
    ['the request as signed', {}, 'ok'],
    ['another method', { method: 'GET' }, 'wrong signature'],
    ['another service in the path', { path: '/v1/services/db/restart' }, 'wrong signature'],
    ['another action in the path', { path: '/v1/services/web/stop' }, 'wrong signature'],
    ['a changed body', { body: '{"timeoutMs":1001}' }, 'wrong signature'],
  ])('%s: %s', (_, request, expected) => {
    expect(check(new NonceMemory(), sign(T0), T0, request)).toBe(expected);
  });

  it('refuses another token, missing headers and malformed ones', () => {
    const other = signedHeaders(
      randomBytes(32).toString('hex'),
      { method: 'POST', path: PATH, body: BODY },
      T0,
    );
    expect(check(new NonceMemory(), other, T0)).toBe('wrong signature');
    expect(check(new NonceMemory(), {}, T0)).toBe('unsigned request');
    const headers = sign(T0);
    expect(check(new NonceMemory(), { ...headers, [HEADERS.nonce]: 'xyz' }, T0)).toBe(
      'malformed signature headers',
    );
    expect(check(new NonceMemory(), { ...headers, [HEADERS.signature]: 'ab' }, T0)).toBe('wrong signature');
  });

  it('takes a timestamp up to 30 s either side of its clock, and no further', () => {
    expect(check(new NonceMemory(), sign(T0 - WINDOW_MS), T0)).toBe('ok');
    expect(check(new NonceMemory(), sign(T0 + WINDOW_MS), T0)).toBe('ok');
    expect(check(new NonceMemory(), sign(T0 - WINDOW_MS - 1), T0)).toBe('stale request');
    expect(check(new NonceMemory(), sign(T0 + WINDOW_MS + 1), T0)).toBe('stale request');
  });

  it('refuses a nonce while its request is in the window, and forgets it once the window has passed', () => {
    const nonces = new NonceMemory();
    const headers = sign(T0);
    expect(check(nonces, headers, T0)).toBe('ok');
    expect(check(nonces, headers, T0 + 1)).toBe('replayed request');
    expect(check(nonces, headers, T0 + WINDOW_MS)).toBe('replayed request');
    // Past the window the timestamp refuses it: the memory no longer needs to.
    expect(check(nonces, headers, T0 + WINDOW_MS + 1)).toBe('stale request');
    expect(check(nonces, sign(T0 + WINDOW_MS + 1), T0 + WINDOW_MS + 1)).toBe('ok');
  });

  it('is bounded: when full of live nonces it refuses and says so, and takes requests again as they expire', () => {
    const nonces = new NonceMemory(2);
    expect(check(nonces, sign(T0), T0)).toBe('ok');
    expect(check(nonces, sign(T0 + 10), T0 + 10)).toBe('ok');
    expect(check(nonces, sign(T0 + 20), T0 + 20)).toBe('too many requests in the last 30 s to tell a replay');
    expect(check(nonces, sign(T0 + WINDOW_MS + 5), T0 + WINDOW_MS + 5)).toBe('ok');
  });
});
