import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { Secret } from '../../src/schema/secret.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger({ stream, level: 'debug' }) };
}

describe('logs', () => {
  it('are JSON lines with a level and a time', () => {
    const { lines, logger } = capture();
    logger.info({ jobId: 7 }, 'job started');
    const record = JSON.parse(lines[0] ?? '{}');
    expect(record).toMatchObject({ level: 'info', msg: 'job started', jobId: 7, name: 'dayshift' });
    expect(typeof record.time).toBe('string');
  });

  it('never contain a secret, whether as a Secret, a known field or pasted into a message', () => {
    const { lines, logger } = capture();
    const secret = new Secret('canary-7f3a9c-webhook');
    logger.info({ url: secret }, 'sending');
    logger.warn({ password: 'hunter2-canary', nested: { token: 'tok-canary' } }, 'login');
    logger.error(new Error(`could not reach https://hooks.example/canary-7f3a9c-webhook`), 'delivery failed');
    const text = lines.join('\n');
    for (const canary of ['canary-7f3a9c-webhook', 'hunter2-canary', 'tok-canary'])
      expect(text).not.toContain(canary);
    expect(text).toContain('[redacted]');
    expect(lines).toHaveLength(3);
  });
});
