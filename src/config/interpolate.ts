/**
 * `${VAR}` substitution with Docker Compose's rules:
 *   $VAR, ${VAR}          the value, or empty with a warning when unset
 *   ${VAR:-default}       default when unset or empty;   ${VAR-default} only when unset
 *   ${VAR:?message}       an error when unset or empty;  ${VAR?message} only when unset
 *   ${VAR:+alt}           alt when set and not empty;    ${VAR+alt} when set
 *   $$                    a literal $
 * Defaults and messages may themselves hold ${...}.
 */
export interface InterpolationResult {
  value: string;
  errors: Array<{ message: string; offset: number }>;
  /** Variables used without a default that were not set. */
  unset: string[];
}

export function interpolate(text: string, lookup: (name: string) => string | undefined): InterpolationResult {
  const errors: InterpolationResult['errors'] = [];
  const unset: string[] = [];
  const value = expand(text, 0, lookup, errors, unset);
  return { value, errors, unset };
}

function expand(
  text: string,
  baseOffset: number,
  lookup: (name: string) => string | undefined,
  errors: InterpolationResult['errors'],
  unset: string[],
): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const close = matchingBrace(text, i + 1);
      if (close < 0) {
        errors.push({ message: 'a "$" followed by "{" has no closing "}"', offset: baseOffset + i });
        return out + text.slice(i);
      }
      out += substitute(text.slice(i + 2, close), baseOffset + i, baseOffset + i + 2, lookup, errors, unset);
      i = close + 1;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
    if (name) {
      const v = lookup(name);
      if (v === undefined) unset.push(name);
      out += v ?? '';
      i += 1 + name.length;
      continue;
    }
    out += '$';
    i++;
  }
  return out;
}

function substitute(
  inner: string,
  offset: number,
  innerOffset: number,
  lookup: (name: string) => string | undefined,
  errors: InterpolationResult['errors'],
  unset: string[],
): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(inner);
  if (!match) {
    errors.push({
      message: `"\${${inner}}" is not a variable reference; use \${NAME} or \${NAME:-default}`,
      offset,
    });
    return '';
  }
  const name = match[1] as string;
  const operator = match[2];
  const argument = match[3] ?? '';
  const value = lookup(name);
  const emptyCounts = operator?.startsWith(':') ?? false;
  const missing = value === undefined || (emptyCounts && value === '');
  const argOffset = innerOffset + name.length + (operator?.length ?? 0);
  switch (operator?.replace(':', '')) {
    case undefined:
      if (value === undefined) unset.push(name);
      return value ?? '';
    case '-':
      return missing ? expand(argument, argOffset, lookup, errors, unset) : (value as string);
    case '+':
      return missing ? '' : expand(argument, argOffset, lookup, errors, unset);
    case '?':
      if (missing) {
        const message = expand(argument, argOffset, lookup, errors, unset);
        errors.push({
          message: `required variable ${name} is ${value === undefined ? 'not set' : 'empty'}${message ? `: ${message}` : ''}`,
          offset,
        });
        return '';
      }
      return value as string;
    default:
      return value ?? '';
  }
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
