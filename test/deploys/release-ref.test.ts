import { describe, expect, it } from 'vitest';
import { parseReleaseRef } from '../../src/deploys/release-ref.js';
import { DayshiftError } from '../../src/errors.js';

/** How `rollback --to` text is read, as a table of what each form can mean and what is refused. */
const DIGEST = `127.0.0.1:5000/app@sha256:${'ab12cd34ef56'.padEnd(64, '7')}`;
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const release = (target: string, requested = 'app:v1') => ({ target, requested });

describe('naming a release', () => {
  it.each([
    ['12', 12, []],
    ['#12', 12, []],
    ['sha256:ab12cd34ef56', undefined, [DIGEST]],
    ['AB12CD34EF56', undefined, [DIGEST]],
    [`127.0.0.1:5000/app@sha256:ab12cd34ef56`, undefined, [DIGEST]],
    [`other/app@sha256:ab12cd34ef56`, undefined, []],
    ['0123456', 123456, [COMMIT]],
    ['0123456789ab', undefined, [COMMIT]],
  ] as const)('%s: id %s, matching %j', (text, id, targets) => {
    const query = parseReleaseRef(text);
    expect(query.id).toBe(id);
    for (const target of [DIGEST, COMMIT])
      expect(query.matches?.(release(target)) ?? false, target).toBe(
        (targets as readonly string[]).includes(target),
      );
  });

  it('reads anything else as the tag or ref requested, exactly', () => {
    const query = parseReleaseRef('app:v1');
    expect(query.id).toBeUndefined();
    expect(query.matches?.(release(DIGEST, 'app:v1'))).toBe(true);
    expect(query.matches?.(release(DIGEST, 'app:v10'))).toBe(false);
  });

  it.each([
    '',
    '  ',
    '#0',
    '#99999999999999999999',
    'sha256:ab12',
    'sha256:xyz',
    'abc12',
    `sha256:${'a'.repeat(65)}`,
  ])('refuses %j as naming no release', (text) => {
    let thrown: unknown;
    try {
      parseReleaseRef(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DayshiftError);
    expect((thrown as DayshiftError).code).toBe('BAD_REQUEST');
  });
});
