/**
 * Gatus is written in Go and compares text, so Gatus conditions mean what Go's conversions make of
 * that text. These functions reproduce the conversions Gatus relies on: strconv.ParseInt with base 0,
 * strconv.ParseFloat, time.ParseDuration, fmt's %v of decoded JSON, and path/filepath.Match globs.
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

/** strconv.ParseInt(text, 0, 64): decimal, 0x hex, 0o or leading-0 octal, 0b binary. */
export function goInt(text: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9]\d*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[2] as string;
  const literal = /^0[0-7]+$/.test(digits)
    ? `0o${digits.slice(1)}`
    : digits.replace(/^0([XOB])/, (_, c) => `0${c.toLowerCase()}`);
  const value = BigInt(literal) * (m[1] === '-' ? -1n : 1n);
  return value >= -(2n ** 63n) && value < 2n ** 63n ? value : undefined;
}

/** strconv.ParseFloat for the decimal forms people write. */
function goFloat(text: string): number | undefined {
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : undefined;
}

/** How Gatus turns one side of < <= > >= into a number: a non-zero duration in ms, an int, a float. */
export function goNumber(text: string): number | undefined {
  const ms = goDurationMs(text);
  if (ms !== undefined && ms !== 0) return ms;
  const int = goInt(text);
  if (int !== undefined) return Number(int);
  const float = goFloat(text);
  return float === undefined ? undefined : Math.trunc(float);
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

/** path/filepath.Match as Gatus uses it: `*`, `?`, `[a-z]`, `[^x]`, `\` escapes; `/` removed from both. */
export function globMatch(pattern: string, text: string): boolean {
  const p = pattern.replaceAll('/', '');
  const s = text.replaceAll('/', '');
  if (p === '*') return true;
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i] as string;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '\\') re += escapeChar(p[++i] ?? '');
    else if (ch === '[') {
      // A class such as [a-z] or [^0-9] means the same in a JavaScript regular expression.
      const close = p.indexOf(']', i + 1);
      if (close <= i + 1) return false;
      re += p.slice(i, close + 1);
      i = close;
    } else re += escapeChar(ch);
  }
  try {
    return new RegExp(`^${re}$`, 'su').test(s);
  } catch {
    return false;
  }
}

function escapeChar(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
