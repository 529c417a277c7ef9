import type { Command } from 'commander';
import { JobQueue } from '../../jobs/queue.js';
import { JOB_STATUSES } from '../../jobs/types.js';
import { describeDuration } from '../../schema/duration.js';
import { globalOptions, openCliStore } from '../context.js';
import { printTable } from '../table.js';

/** `dayshift queue`: the queue health snapshot (runbook 003's, for Dayshift's own queue). */
export function defineQueue(queue: Command): void {
  queue.action(async (_options: unknown, cmd: Command) => {
    const store = await openCliStore(cmd);
    try {
      const health = await new JobQueue(store).health();
      if (globalOptions(cmd).json) {
        process.stdout.write(`${JSON.stringify(health, null, 2)}\n`);
        return;
      }
      printTable(
        ['KIND', ...JOB_STATUSES.map((s) => s.toUpperCase())],
        [
          ...health.byKind.map((k) => [k.kind, ...JOB_STATUSES.map((s) => String(k.counts[s]))]),
          ['(all)', ...JOB_STATUSES.map((s) => String(health.counts[s]))],
        ],
      );
      const seconds = (ms: number | null) => (ms === null ? '-' : describeDuration(ms));
      process.stdout.write(
        `\noldest waiting job: ${seconds(health.oldestQueuedAgeMs)}\n` +
          `wait p50 / p95 (last ${Math.round(health.windowMs / 60_000)} min): ${seconds(health.waitP50Ms)} / ${seconds(health.waitP95Ms)}\n`,
      );
    } finally {
      await store.close();
    }
  });
}
