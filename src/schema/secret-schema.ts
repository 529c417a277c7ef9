import { z } from 'zod';
import { Secret } from './secret.js';
import { isUrl } from './values.js';

/**
 * Values that must never be printed are wrapped in Secret as the file loads. The JSON Schema marks
 * them `"x-secret": true` so editors and tools can treat them with care.
 */
export const secretString = () =>
  z
    .string({ error: 'expected a string (a secret)' })
    .meta({ 'x-secret': true, description: 'a secret: never printed or logged' })
    .transform((value) => new Secret(value));

/** A URL that may carry credentials (a database, Redis, SMTP, a webhook): validated, then kept secret. */
export const secretUrl = (schemes: readonly string[]) =>
  z
    .string({ error: `expected a ${orList(schemes.map((s) => `${s}://`))} URL` })
    .meta({
      'x-secret': true,
      format: 'uri',
      description: `a ${schemes.map((s) => `${s}://`).join(' or ')} URL; kept secret`,
    })
    .transform((value, ctx) => {
      if (!isUrl(value, schemes)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a ${orList(schemes.map((s) => `${s}://`))} URL`,
          params: { secret: true },
        });
        return z.NEVER;
      }
      return new Secret(value);
    });

function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
