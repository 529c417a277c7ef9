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
