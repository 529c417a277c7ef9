/**
 * Gatus is written in Go and compares text, so Gatus conditions mean what Go's conversions make of
 * that text. These functions reproduce the conversions Gatus relies on: strconv.ParseInt with base 0,
 * strconv.ParseFloat, time.ParseDuration and fmt's %v of decoded JSON (path/filepath.Match is go-glob.ts).
 */

const GO_DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};
const GO_DURATION = /^[-+]?((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const GO_DURATION_PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** time.ParseDuration(text).Milliseconds(), or undefined when Go would refuse the text. */
export function goDurationMs(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(GO_DURATION_PART))
    ms += Number(n) * (GO_DURATION_UNITS[unit ?? ''] ?? 0);
  return Math.trunc(text.startsWith('-') ? -ms : ms);
}

/** strconv.ParseInt(text, 0, 64): decimal, 0x hex, 0o or leading-0 octal, 0b binary, `_` between digits. */
export function goInt(text: string): bigint | undefined {
  let s = text;
  const negative = s.startsWith('-');
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  if (s === '') return undefined;
  let base = 10;
  if (s.startsWith('0')) {
    const prefix = s.length >= 3 ? (s[1] as string).toLowerCase() : '';
    base = prefix === 'b' ? 2 : prefix === 'o' ? 8 : prefix === 'x' ? 16 : 8;
    s = prefix === 'b' || prefix === 'o' || prefix === 'x' ? s.slice(2) : s.slice(1);
  }
  let value = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === '_') {
      underscores = true;
      continue;
    }
    const digit = /^[0-9A-Za-z]$/.test(c) ? Number.parseInt(c, 36) : 99;
    if (digit >= base) return undefined;
    value = value * BigInt(base) + BigInt(digit);
  }
  if (underscores && !underscoresBetweenDigits(text)) return undefined;
  if (negative) value = -value;
  return value >= -(2n ** 63n) && value < 2n ** 63n ? value : undefined;
}

/** Go's rule for `_` in a number: only between two digits, or between a base prefix and a digit. */
function underscoresBetweenDigits(text: string): boolean {
  const s = text.replace(/^[-+]/, '');
  let i = 0;
  let previous: 'start' | 'digit' | '_' | 'other' = 'start';
  let hex = false;
  if (/^0[bBoOxX]/.test(s)) {
    i = 2;
    previous = 'digit';
    hex = /^0[xX]/.test(s);
  }
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) previous = 'digit';
    else if (c === '_') {
      if (previous !== 'digit') return false;
      previous = '_';
    } else if (previous === '_') return false;
    else previous = 'other';
  }
  return previous !== '_';
}

const GO_DECIMAL_FLOAT = /^[-+]?([0-9_]+\.?[0-9_]*|\.[0-9_]+)([eE][-+]?[0-9_]+)?$/;

/** strconv.ParseFloat for decimal text, `_` between digits included; out of range is refused, as in Go. */
function goFloat(text: string): number | undefined {
  const m = GO_DECIMAL_FLOAT.exec(text);
  if (!m || !/[0-9]/.test(m[1] as string)) return undefined;
  if (text.includes('_') && !underscoresBetweenDigits(text)) return undefined;
  const value = Number(text.replaceAll('_', ''));
  return Number.isFinite(value) ? value : undefined;
}

/**
 * How Gatus turns one side of < <= > >= into a number: a non-zero duration in ms, an int, a float cut
 * to an int. A zero duration (`0s`) is none of these to Go and so becomes 0, as text that is no number
 * does; undefined means that second case, which the parser refuses in a condition.
 */
export function goNumber(text: string): bigint | undefined {
  const ms = goDurationMs(text);
  if (ms !== undefined && ms !== 0) return BigInt(ms);
  const int = goInt(text);
  if (int !== undefined) return int;
  const float = goFloat(text);
  if (float !== undefined && Math.abs(float) < 2 ** 63) return BigInt(Math.trunc(float));
  return ms === 0 ? 0n : undefined;
}

/** Go's `fmt.Sprintf("%v", v)` for a value decoded from JSON. */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number') return goFloatString(value);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  const entries = Object.keys(value as object)
    .sort()
    .map((k) => `${k}:${goFormat((value as Record<string, unknown>)[k])}`);
  return `map[${entries.join(' ')}]`;
}

/** %v of a float64: the shortest digits, in exponent form when the exponent is below -4 or from 6 up. */
function goFloatString(n: number): string {
  if (Object.is(n, -0)) return '-0';
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(n);
}

/** Go's json.Marshal: sorted keys, and <, > and & escaped. */
function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(sorted)
        : v;
  return JSON.stringify(sorted(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Gatus's JSON path on a body: the value as text and its length, or undefined when the path fails. */
export function jsonPath(path: string, body: string): { text: string; length: number } | undefined {
  if (path === '' && !(body.startsWith('[') && body.endsWith(']')))
    return { text: body, length: bytes(body) };
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch {
    return undefined;
  }
  return walk(path, root);
}

function walk(path: string, object: unknown): { text: string; length: number } | undefined {
  const keys: string[] = [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '[') depth++;
    else if (path[i] === ']') depth--;
    else if (path[i] === '.' && depth === 0) {
      keys.push(path.slice(start, i));
      start = i + 1;
    }
  }
  keys.push(path.slice(start));
  const key = keys[0] as string;
  const value = extract(key, object);
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return { text: goFormat(value), length: value.length };
  if (typeof value === 'object') {
    const rest = path.replace(`${key}.`, '');
    if (rest === path) {
      const json = goJson(value);
      return { text: json, length: bytes(json) };
    }
    return walk(rest, value);
  }
  if (typeof value === 'string') return keys.length > 1 ? undefined : { text: value, length: bytes(value) };
  const text = goFormat(value);
  return { text, length: bytes(text) };
}

/** One path key, `name`, `name[2]`, `[0]` or `name[0][1]`, applied to a decoded value. */
function extract(key: string, value: unknown): unknown {
  if (key.endsWith(']') && key.includes('[')) {
    const open = key.indexOf('[');
    const close = key.indexOf(']', open);
    const index = /^[-+]?\d+$/.test(key.slice(open + 1, close))
      ? Number(key.slice(open + 1, close))
      : Number.NaN;
    if (!Number.isInteger(index) || index < 0) return undefined;
    const name = key.slice(0, open);
    const holder =
      name === ''
        ? value
        : value && typeof value === 'object'
          ? (value as Record<string, unknown>)[name]
          : undefined;
    if (!Array.isArray(holder) || holder.length <= index) return undefined;
    return key[close + 1] === '[' ? extract(key.slice(close + 1), holder[index]) : holder[index];
  }
  // As in Gatus, a key applied to an array gives the array itself.
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') return (value as Record<string, unknown>)[key];
  return value;
}
