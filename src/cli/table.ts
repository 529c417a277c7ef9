/** Prints rows as a plain aligned table, the way `docker ps` does. */
export function printTable(
  headers: string[],
  rows: string[][],
  stream: NodeJS.WritableStream = process.stdout,
): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  stream.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

/** An epoch-millisecond time as ISO 8601 to the second, or `-`. */
export function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
