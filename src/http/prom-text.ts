/**
 * The Prometheus text format, written directly for series read from the store at scrape time (prom-client
 * is slow to format tens of thousands of labelled values, and these are re-read on every scrape anyway).
 */

/** One metric family: HELP, TYPE, then its lines. */
export function family(name: string, type: string, help: string, lines: string[]): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${lines.length > 0 ? `${lines.join('\n')}\n` : ''}`;
}

/** Label values as the text format requires: backslash, double quote and newline escaped. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Series read from the store when `/metrics` is scraped, appended to the registry's output. */
export type StoreSeries = () => Promise<string>;
