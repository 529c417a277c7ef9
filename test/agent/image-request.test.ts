import { describe, expect, it } from 'vitest';
import { DEFAULT_GRANTS, permitsImageOp } from '../../src/agent/grants.js';
import { IMAGE_TIMEOUT_MS, imageRequestOf } from '../../src/agent/image-request.js';
import { AGENT_IMAGE_OPS } from '../../src/drivers/shared/agent-client.js';
import { DayshiftError } from '../../src/errors.js';

/**
 * What an image operation's body may hold, and which `--allow` lists permit which operation: the
 * agent's checks before any driver runs (the same requests, end to end, in agent-images.test.ts).
 */
const DIGEST = `127.0.0.1:5000/shop/web@sha256:${'a'.repeat(64)}`;
const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const refusal = (work: () => unknown): DayshiftError => {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(DayshiftError);
    return error as DayshiftError;
  }
  throw new Error('expected a refusal');
};

describe('the body of an image operation', () => {
  it('takes what each operation needs, and cuts a longer timeout to the operation`s bound', () => {
    expect(imageRequestOf('running', Buffer.alloc(0))).toEqual({});
    expect(imageRequestOf('running', body({ timeoutMs: 900_000 }))).toEqual({
      timeoutMs: IMAGE_TIMEOUT_MS.running,
    });
    expect(imageRequestOf('pull', body({ reference: '127.0.0.1:5000/shop/web:v2', timeoutMs: 5 }))).toEqual({
      reference: '127.0.0.1:5000/shop/web:v2',
      timeoutMs: 5,
    });
    expect(imageRequestOf('apply', body({ digest: DIGEST }))).toEqual({ digest: DIGEST });
    expect(imageRequestOf('prune', body({ repository: '127.0.0.1:5000/shop/web', keep: [DIGEST] }))).toEqual({
      repository: '127.0.0.1:5000/shop/web',
      keep: [DIGEST],
    });
  });

  it.each([
    ['apply', { digest: '127.0.0.1:5000/shop/web:v2' }, 'repository digest'],
    ['apply', {}, 'needs digest'],
    ['apply', { digest: DIGEST, command: ['sh'] }, '`command`'],
    ['pull', { reference: '--help' }, 'image reference'],
    ['pull', { reference: 'shop/web:v2\nx' }, 'image reference'],
    ['pull', { reference: 7 }, 'image reference'],
    ['prune', { repository: 'shop/web:v2', keep: [] }, 'repository without a tag'],
    ['prune', { repository: 'shop/web', keep: ['shop/web:v1'] }, 'repository digests'],
    ['prune', { repository: 'shop/web' }, 'needs keep'],
    ['running', { timeoutMs: 0 }, 'timeoutMs'],
    ['running', { timeoutMs: 1_800_001 }, 'timeoutMs'],
    ['side-by-side', { reference: 'shop/web:v1' }, '`reference`'],
  ] as const)('refuses images/%s with %j', (op, value, said) => {
    const error = refusal(() => imageRequestOf(op, body(value)));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain(said);
  });

  it('refuses a body that is not a JSON object', () => {
    expect(refusal(() => imageRequestOf('running', Buffer.from('[1]'))).code).toBe('BAD_REQUEST');
    expect(refusal(() => imageRequestOf('running', Buffer.from('{'))).code).toBe('BAD_REQUEST');
  });
});

describe('which --allow lists permit an image operation', () => {
  it('deploy permits all five; status alone only running; the default list none but running', () => {
    for (const op of AGENT_IMAGE_OPS) {
      expect(permitsImageOp(['deploy'], op)).toBe(true);
      expect(permitsImageOp(['status'], op)).toBe(op === 'running');
      expect(permitsImageOp(['restart', 'stop'], op)).toBe(false);
      expect(permitsImageOp(DEFAULT_GRANTS, op)).toBe(op === 'running');
    }
  });
});
