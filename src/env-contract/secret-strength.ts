/**
 * Whether a secret is worth its name, judged without ever showing it: long enough, not a value from a
 * template or a tutorial, and random-looking enough.
 */

/** Values people leave in place: template defaults, tutorial values, and Django's development key. */
const PLACEHOLDERS: readonly RegExp[] = [
  /^django-insecure-/i,
  /change[-_ ]?me|replace[-_ ]?me|fill[-_ ]?me/i,
  /^your[-_ ].*|[-_ ]here$/i,
  /^(secret|password|passw0rd|pass|admin|root|token|key|apikey|api[-_]key|test|testing|example|sample|demo|dummy|placeholder|default|todo|tbd|none|null|undefined|xxx+|123456\d*|qwerty)$/i,
  /^(.)\1*$/,
];

/** True when the value looks like a placeholder rather than a real secret. */
export function looksLikePlaceholder(value: string): boolean {
  return PLACEHOLDERS.some((pattern) => pattern.test(value.trim()));
}

/**
 * An estimate of the value's entropy in bits: Shannon entropy of its characters times its length. It
 * underestimates short random strings a little and overestimates words a lot, which is why the
 * placeholder list is checked first; a 50-character Django key scores about 270, `changeme` 22.
 */
export function entropyBits(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * value.length;
}

export const DEFAULT_MIN_ENTROPY_BITS = 64;
