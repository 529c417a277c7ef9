import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import { Target } from '../helpers/target.js';
import { checkOf, testEnv } from './check-env.js';

let target: Target;
beforeAll(async () => {
  target = await Target.start();
});
afterAll(() => target.down());

describe('the tcp check against a local port', () => {
  it("fills connected and latency, and Gatus's [CONNECTED] and [IP]", async () => {
    const result = await runCheck(
      checkOf('tcp', { host: '127.0.0.1', port: target.port }, [
        'connected == true',
        'latency < 1s',
        '[CONNECTED] == true',
        '[IP] == 127.0.0.1',
      ]),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.conditions.map((c) => c.actual)).toEqual([true, result.latencyMs, 'true', '127.0.0.1']);
  });

  it('fails with the refusal when nothing listens', async () => {
    const port = target.port;
    await target.down();
    const result = await runCheck(checkOf('tcp', { host: '127.0.0.1', port }), testEnv());
    expect(result.outcome).toBe('fail');
    expect(result.error).toMatch(/could not connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });
});
