import { paint, tone } from '../util/terminal.js';

/** Fields every record has, shown as the line's own columns rather than as `key=value`. */
const OWN = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname']);

/**
 * One JSON log record as a line a person reads on a terminal: `08:46:53 INFO  store ready
 * store=sqlite:...`. An error's stack follows on indented lines. A line that is not a JSON record is
 * passed through as it is.
 */
export function textLine(json: string, colour: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = String(record.level ?? 'info');
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const fields: string[] = [];
  let stack: string | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (OWN.has(key) || value === undefined) continue;
    if (key === 'err' && value && typeof value === 'object') {
      const err = value as { message?: unknown; stack?: unknown };
      fields.push(`error=${word(err.message)}`);
      if (typeof err.stack === 'string') stack = err.stack;
      continue;
    }
    fields.push(`${key}=${word(value)}`);
  }
  const head = `${paint(time, 'dim', colour)} ${tone(level, colour)}${' '.repeat(Math.max(1, 6 - level.length))}`;
  const body = [String(record.msg ?? ''), ...fields.map((f) => paint(f, 'dim', colour))].join(' ');
  const tail = stack ? `\n${stack.replace(/^/gm, '    ')}` : '';
  return `${head}${body}${tail}\n`;
}

/** A value as one word: plain when it has no space or quote, JSON otherwise. */
function word(value: unknown): string {
  if (typeof value === 'string' && /^[^\s"=]+$/.test(value)) return value;
  return JSON.stringify(value) ?? String(value);
}
