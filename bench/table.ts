/** How benches print their figures: a table of rows, each ending with its goal and whether it is met. */

/** One row: what is measured, Dayshift's figure, the baseline's, their comparison, and the goal. */
export type Row = [measure: string, dayshift: string, baseline: string, figure: string, goal: string];

/** `pass` or `FAIL`, as the goal column says it. */
export const pass = (ok: boolean): string => (ok ? 'pass' : 'FAIL');

/** Seconds to two decimals, and milliseconds rounded, for table cells. */
export const s = (value: number): string => `${(value / 1000).toFixed(2)} s`;
export const m = (value: number): string => `${Math.round(value)} ms`;

/** Prints the rows under a header, each column as wide as its widest cell. */
export function printTable(rows: readonly Row[]): void {
  const header: Row = ['measure', 'dayshift (median)', 'baseline (median)', 'figure', 'goal'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`\n${[line(header), ...rows.map(line)].join('\n')}\n`);
}
