import type { StackConfig } from '../config/schema.js';
import { DEFAULT_MIN_ENTROPY_BITS, entropyBits, looksLikePlaceholder } from './secret-strength.js';

export type VariableRules = NonNullable<StackConfig['env']>['vars'][string];

/** One rule's verdict on one variable. `reason` never holds a secret's value. */
export interface RuleResult {
  variable: string;
  rule: string;
  ok: boolean;
  reason?: string;
  secret: boolean;
}

/** Every rule a variable has, judged against its value (undefined when it is not set). */
export function judgeVariable(name: string, rules: VariableRules, value: string | undefined): RuleResult[] {
  const secret = rules.secret;
  const out: RuleResult[] = [];
  const add = (rule: string, ok: boolean, reason?: string) =>
    out.push(
      ok || reason === undefined
        ? { variable: name, rule, ok, secret }
        : { variable: name, rule, ok, reason, secret },
    );
  // What a message may say about the value: nothing at all for a secret.
  const shown = (v: string) => (secret ? 'the value' : JSON.stringify(v));

  if (value === undefined || value === '') {
    if (rules.required) add('required', false, value === undefined ? 'not set' : 'set but empty');
    else add('required', true);
    return out;
  }
  add('required', true);
  if (rules.equals !== undefined)
    add('equals', value === rules.equals, `expected ${JSON.stringify(rules.equals)}, got ${shown(value)}`);
  if (rules.one_of !== undefined)
    add(
      'one_of',
      rules.one_of.includes(value),
      `expected one of ${rules.one_of.map((v) => JSON.stringify(v)).join(', ')}, got ${shown(value)}`,
    );
  if (rules.pattern !== undefined)
    add(
      'pattern',
      new RegExp(rules.pattern).test(value),
      `${shown(value)} does not match /${rules.pattern}/`,
    );
  if (rules.min !== undefined || rules.max !== undefined) {
    const n = Number(value);
    if (!Number.isFinite(n) || value.trim() === '')
      add('number', false, `expected a number, got ${shown(value)}`);
    else {
      if (rules.min !== undefined)
        add('min', n >= rules.min, `expected at least ${rules.min}, got ${secret ? 'less' : n}`);
      if (rules.max !== undefined)
        add('max', n <= rules.max, `expected at most ${rules.max}, got ${secret ? 'more' : n}`);
    }
  }
  if (rules.url || rules.https) {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (rules.url) add('url', url !== undefined, `expected a URL, got ${shown(value)}`);
    if (rules.https)
      add(
        'https',
        url?.protocol === 'https:',
        `expected an https:// URL, got ${url ? `${url.protocol}//` : shown(value)}`,
      );
  }
  if (rules.min_length !== undefined)
    add(
      'min_length',
      value.length >= rules.min_length,
      `too short: ${value.length} of ${rules.min_length} characters`,
    );
  if (secret) {
    add('not_placeholder', !looksLikePlaceholder(value), 'looks like a placeholder or a development value');
    const wanted = rules.min_entropy_bits ?? DEFAULT_MIN_ENTROPY_BITS;
    const bits = entropyBits(value);
    add(
      'entropy',
      bits >= wanted,
      `too predictable: about ${Math.floor(bits)} bits of entropy, ${wanted} wanted`,
    );
  }
  return out;
}
