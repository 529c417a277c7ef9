import { beforeAll, describe, expect, it } from 'vitest';
import { reasonOf, runCheck } from '../../src/checks/run.js';
import { Target } from '../helpers/target.js';
import { checkOf, testEnv } from './check-env.js';

/**
 * A probe error is a result with conditions, as in Gatus: a refused connection leaves `connected`
 * false and no status, and the check passes when its conditions say that is what should be.
 */
let closedPort: number;
beforeAll(async () => {
  const target = await Target.start();
  closedPort = target.port;
  await target.down();
});

describe('negative checks against a closed port', () => {
  it('tcp: [CONNECTED] == false and connected == false pass, and the refusal is kept', async () => {
    const result = await runCheck(
      checkOf('tcp', { host: '127.0.0.1', port: closedPort }, ['[CONNECTED] == false', 'connected == false']),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.conditions.map((c) => [c.ok, c.actual])).toEqual([
      [true, 'false'],
      [true, false],
    ]);
    expect(result.error).toMatch(/could not connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    expect(reasonOf(result)).toBeUndefined();
  });

  it('tcp: [CONNECTED] == true fails with the refusal as its reason', async () => {
    const result = await runCheck(
      checkOf('tcp', { host: '127.0.0.1', port: closedPort }, ['[CONNECTED] == true']),
      testEnv(),
    );
    expect(result.outcome).toBe('fail');
    expect(result.conditions).toMatchObject([{ expr: '[CONNECTED] == true', ok: false, actual: 'false' }]);
    expect(reasonOf(result)).toMatch(/ECONNREFUSED/);
  });

  it('http: [STATUS] == 0 passes on a refused connection; [STATUS] == 200 fails with the error', async () => {
    const url = `http://127.0.0.1:${closedPort}/health`;
    const negative = await runCheck(
      checkOf('http', { url }, ['[STATUS] == 0', '[CONNECTED] == false']),
      testEnv(),
    );
    expect(negative.outcome, JSON.stringify(negative)).toBe('pass');
    expect(negative.error).toMatch(/could not connect to http:\/\/127\.0\.0\.1:\d+\/health: .*ECONNREFUSED/);

    const positive = await runCheck(checkOf('http', { url }, ['[STATUS] == 200']), testEnv());
    expect(positive.outcome).toBe('fail');
    expect(positive.conditions).toMatchObject([{ ok: false, actual: '0' }]);
    expect(positive.error).toMatch(/ECONNREFUSED/);
    expect(reasonOf(positive)).toBe(positive.error);
  });

  it('a check without conditions of its own still fails on a probe error', async () => {
    for (const check of [
      checkOf('tcp', { host: '127.0.0.1', port: closedPort }),
      checkOf('http', { url: `http://127.0.0.1:${closedPort}/` }),
    ]) {
      const result = await runCheck(check, testEnv());
      expect(result.outcome, check.kind).toBe('fail');
      expect(result.conditions.length, check.kind).toBeGreaterThan(0);
      expect(result.error, check.kind).toMatch(/ECONNREFUSED/);
    }
  });
});
