import { visibleLength } from '../util/terminal.js';

/** Prints rows as a plain aligned table, the way `docker ps` does; coloured cells align too. */
export function printTable(
  headers: string[],
  rows: string[][],
  stream: NodeJS.WritableStream = process.stdout,
): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === cells.length - 1 ? c : c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(c))),
      )
      .join('  ')
      .trimEnd();
  stream.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

/**
 * An epoch-millisecond time, or `-`. On a terminal a recent one reads as people say it (`3 min
 * ago`, `in 2h`); in a pipe or a file, and past a month, it is ISO 8601 to the second, which sorts
 * and parses.
 */
export function formatTime(ms: number | null, options: { now?: number; relative?: boolean } = {}): string {
  if (ms === null) return '-';
  const absolute = new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  if (!(options.relative ?? process.stdout.isTTY === true)) return absolute;
  return relativeTime(ms, options.now ?? Date.now()) ?? absolute;
}

/** `12s ago`, `3 min ago`, `5h ago`, `4d ago`, or `in ...` ahead; undefined past 30 days either way. */
export function relativeTime(ms: number, now: number): string | undefined {
  const delta = now - ms;
  const span = Math.abs(delta);
  let amount: string;
  if (span < 5_000) return 'just now';
  if (span < 60_000) amount = `${Math.round(span / 1_000)}s`;
  else if (span < 3_600_000) amount = `${Math.round(span / 60_000)} min`;
  else if (span < 48 * 3_600_000) amount = `${Math.round(span / 3_600_000)}h`;
  else if (span <= 30 * 86_400_000) amount = `${Math.round(span / 86_400_000)}d`;
  else return undefined;
  return delta >= 0 ? `${amount} ago` : `in ${amount}`;
}

/** Prints a value as indented JSON: what `--json` writes. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
