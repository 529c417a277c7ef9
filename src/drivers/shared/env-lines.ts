import { redactUrl, scrubSecrets } from '../../schema/secret.js';
import type { EnvVariable } from '../types.js';

/** Names whose values are secrets by convention (DJANGO_SECRET_KEY, DB_PASSWORD, API_TOKEN, ...). */
const SECRET_NAME = /pass|secret|token|key|credential|auth|private|salt|cookie|session|signature|dsn/i;
const MASK = '[masked]';

/**
 * `NAME=value` lines (a `.env` file, `env`, `docker inspect`'s Env) as variables, masking every value
 * whose name says it is a secret, that holds a known secret, or that is a URL with a password in it.
 * Lines that are not assignments (comments, blanks) are left out.
 */
export function envVariables(text: string): EnvVariable[] {
  const out: EnvVariable[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)=(.*)$/.exec(line);
    if (!match) continue;
    const name = match[1] as string;
    const value = (match[2] as string).replace(/\r$/, '');
    out.push(masked(name, value));
  }
  return out;
}

/**
 * A container's environment as Docker gives it (`Config.Env`: one `NAME=value` string each, a value
 * may hold newlines), masked as `envVariables` masks.
 */
export function envOfList(list: readonly string[]): EnvVariable[] {
  const out: EnvVariable[] = [];
  for (const entry of list) {
    const at = entry.indexOf('=');
    if (at <= 0) continue;
    out.push(masked(entry.slice(0, at), entry.slice(at + 1)));
  }
  return out;
}

function masked(name: string, value: string): EnvVariable {
  if (value === '') return { name, value, masked: false };
  if (SECRET_NAME.test(name) || scrubSecrets(value) !== value) return { name, value: MASK, masked: true };
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(value))
    return { name, value: redactUrl(value), masked: true };
  return { name, value, masked: false };
}
