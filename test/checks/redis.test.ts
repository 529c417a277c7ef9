import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import { checkOf, testEnv } from './check-env.js';

const REDIS_URL = process.env.DAYSHIFT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Every key this file writes starts here, so parallel runs never see each other's lists. */
const PREFIX = `dayshift:test:${randomBytes(6).toString('hex')}:`;

let redis: Redis;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${REDIS_URL}; start it as .ci/run does`, { cause: error });
  }
});

afterAll(async () => {
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('redis check against the real server', () => {
  it('answers PING', async () => {
    const result = await runCheck(checkOf('redis', { url: REDIS_URL }), testEnv());
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.values.ping).toBe('PONG');
    expect(result.conditions.map((c) => c.expr)).toEqual(['connected == true']);
  });

  it('fails a backlog check once the list grows past its threshold', async () => {
    const key = `${PREFIX}celery`;
    const check = checkOf('redis', { url: REDIS_URL, llen: key }, ['value < 5']);
    const empty = await runCheck(check, testEnv());
    expect(empty.outcome).toBe('pass');
    expect(empty.values.value).toBe(0);

    await redis.rpush(key, 'a', 'b', 'c');
    const small = await runCheck(check, testEnv());
    expect(small.outcome).toBe('pass');
    expect(small.values.value).toBe(3);

    await redis.rpush(key, 'd', 'e');
    const backlog = await runCheck(check, testEnv());
    expect(backlog.outcome).toBe('fail');
    expect(backlog.conditions[0]).toMatchObject({ expr: 'value < 5', ok: false, actual: 5 });
  });

  it('gives the length of a stream and of a sorted set', async () => {
    const stream = `${PREFIX}events`;
    for (let i = 0; i < 4; i++) await redis.xadd(stream, '*', 'n', String(i));
    const xlen = await runCheck(
      checkOf('redis', { url: REDIS_URL, xlen: stream }, ['value == 4']),
      testEnv(),
    );
    expect(xlen.outcome, JSON.stringify(xlen)).toBe('pass');

    const zset = `${PREFIX}delayed`;
    await redis.zadd(zset, 1, 'x', 2, 'y');
    const zcard = await runCheck(
      checkOf('redis', { url: REDIS_URL, zcard: zset }, ['value == 2']),
      testEnv(),
    );
    expect(zcard.outcome, JSON.stringify(zcard)).toBe('pass');
  });

  it('reads INFO fields as named values, numbers as numbers', async () => {
    const result = await runCheck(
      checkOf('redis', { url: REDIS_URL, info: ['connected_clients', 'redis_version', 'used_memory'] }, [
        'connected_clients >= 1',
        'used_memory > 0',
      ]),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(typeof result.values.connected_clients).toBe('number');
    expect(result.values.redis_version).toMatch(/^\d+\.\d+/);
  });

  it('reports an INFO field the server does not have', async () => {
    const result = await runCheck(checkOf('redis', { url: REDIS_URL, info: ['no_such_field'] }), testEnv());
    expect(result.outcome).toBe('fail');
    expect(result.error).toBe('INFO has no field no_such_field');
  });

  it('reports a key of the wrong type as an error', async () => {
    const key = `${PREFIX}plain`;
    await redis.set(key, 'x');
    const result = await runCheck(checkOf('redis', { url: REDIS_URL, llen: key }), testEnv());
    expect(result.outcome).toBe('fail');
    expect(result.error).toMatch(/WRONGTYPE/);
  });

  it('never shows the password of a URL it cannot use', async () => {
    const password = 'pw-Zq81-never-shown';
    const result = await runCheck(
      checkOf('redis', { url: `redis://dayshift_no_such_user:${password}@127.0.0.1:6379` }),
      testEnv(),
    );
    // No such ACL user: the server refuses AUTH, and the error must still hide the password given.
    expect(result.outcome).toBe('fail');
    expect(result.error).toMatch(/WRONGPASS|auth/i);
    expect(JSON.stringify(result)).not.toContain(password);
  });
});
