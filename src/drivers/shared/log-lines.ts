import type { ServiceLogs } from '../types.js';

/** What `logs` keeps at most: the end, which says what just happened. */
export const LOG_BYTES = 256 * 1024;
export const DEFAULT_TAIL_LINES = 200;

/** The last `count` lines of a text. */
export function lastLines(text: string, count: number): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.slice(Math.max(0, lines.length - count)).join('\n');
}

/**
 * A log line as Docker writes it with timestamps, behind Compose's `web-1  | ` prefix when it has one:
 * the RFC 3339 time with up to nine digits of fraction.
 */
const STAMPED = /^(?:[^|\n]*\|\s)?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z/;

/**
 * The last `tail` lines of one or more containers' logs written in the last `sinceMs`, oldest first,
 * at most LOG_BYTES (bytes left out are added to `truncated`). Lines are ordered by their timestamps,
 * so the logs of several replicas read as one story; a line without a timestamp (Compose's "Attaching
 * to ...") is left out.
 */
export function recentLines(
  text: string,
  o: { sinceMs?: number; tail?: number; truncated?: number; now?: number },
): ServiceLogs {
  const from = o.sinceMs === undefined ? undefined : (o.now ?? Date.now()) - o.sinceMs;
  const stamped: { key: string; line: string }[] = [];
  for (const line of text.split('\n')) {
    const match = STAMPED.exec(line);
    if (!match) continue;
    const seconds = match[1] as string;
    const fraction = (match[2] ?? '').padEnd(9, '0');
    if (from !== undefined && Date.parse(`${seconds}.${fraction.slice(0, 3)}Z`) < from) continue;
    stamped.push({ key: `${seconds}.${fraction}`, line });
  }
  stamped.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let lines = stamped.slice(Math.max(0, stamped.length - (o.tail ?? DEFAULT_TAIL_LINES))).map((s) => s.line);
  let truncated = o.truncated ?? 0;
  let bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
  while (bytes > LOG_BYTES && lines.length > 1) {
    const dropped = Buffer.byteLength(lines[0] as string) + 1;
    bytes -= dropped;
    truncated += dropped;
    lines = lines.slice(1);
  }
  return { text: lines.join('\n'), truncated };
}

/**
 * The frames of a container's log stream as the Engine sends them without a TTY (8-byte headers: the
 * stream, three zero bytes, the length), joined in order; text that is not framed is returned as is.
 */
export function demultiplex(data: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= data.length) {
    const kind = data[at] as number;
    if (kind > 2 || data[at + 1] !== 0 || data[at + 2] !== 0 || data[at + 3] !== 0)
      return data.toString('utf8');
    const size = data.readUInt32BE(at + 4);
    parts.push(data.subarray(at + 8, Math.min(data.length, at + 8 + size)));
    at += 8 + size;
  }
  if (at < data.length && parts.length === 0) return data.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}
