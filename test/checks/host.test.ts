import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import { checkOf, testEnv } from './check-env.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('host check', () => {
  it('reports cpu, memory and disk as percentages and the load averages', async () => {
    const result = await runCheck(checkOf('host', { disk: dir }), testEnv());
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    for (const name of ['cpu_pct', 'memory_pct', 'disk_pct']) {
      const value = result.values[name];
      expect(typeof value, name).toBe('number');
      expect(value as number, name).toBeGreaterThanOrEqual(0);
      expect(value as number, name).toBeLessThanOrEqual(100);
    }
    for (const name of ['load1', 'load5', 'load15'])
      expect(result.values[name] as number).toBeGreaterThanOrEqual(0);
    // The default conditions are percentages, compared with the 0–100 figures.
    expect(result.conditions.map((c) => c.expr)).toEqual(['disk_pct < 90%', 'memory_pct < 95%']);
  });

  it('resolves the disk path from the stack file directory', async () => {
    const result = await runCheck(
      checkOf('host', { disk: path.basename(dir) }, ['disk_pct <= 100%', 'disk_pct > 0%']),
      testEnv({}, { baseDir: path.dirname(dir) }),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
  });

  it('measures cpu_pct between runs, and on its own after a gap', async () => {
    const first = await runCheck(checkOf('host', {}), testEnv());
    const second = await runCheck(checkOf('host', {}), testEnv());
    expect(typeof first.values.cpu_pct).toBe('number');
    expect(typeof second.values.cpu_pct).toBe('number');
  });

  it('reports a disk path that does not exist as an error', async () => {
    const missing = path.join(dir, 'no-such-dir');
    const result = await runCheck(checkOf('host', { disk: missing }), testEnv());
    expect(result.outcome).toBe('fail');
    expect(result.error).toBe(`the disk path ${missing} does not exist`);
  });
});
