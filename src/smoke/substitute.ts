import { CAPTURE_REFERENCE } from '../config/sections/operations.js';
import { isSecret, Secret } from '../schema/secret.js';

/**
 * A step's options with every `{{ name }}` replaced by what earlier steps captured. Secrets stay
 * secrets. Returns the names it needed but did not have, so the step can be skipped with a reason.
 */
export function substitute(
  value: unknown,
  vars: ReadonlyMap<string, string>,
): { value: unknown; missing: string[] } {
  const missing = new Set<string>();
  const fill = (text: string) =>
    text.replace(CAPTURE_REFERENCE, (whole, name: string) => {
      const found = vars.get(name);
      if (found === undefined) missing.add(name);
      return found ?? whole;
    });
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return fill(v);
    if (isSecret(v)) return new Secret(fill(v.reveal()));
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { value: walk(value), missing: [...missing] };
}
