/**
 * One worker process of the jobs benchmark: Dayshift's Worker with a trivial handler, or pg-boss's
 * `work` as the baseline. Configured by environment: ENGINE (dayshift | pgboss), STORE_URL or
 * SQLITE_PATH, CONCURRENCY, PGBOSS_BATCH. Prints "ready", then works until SIGTERM.
 */
import type { JobKind } from '../src/jobs/kinds.js';
import { JobQueue } from '../src/jobs/queue.js';
import { Worker } from '../src/jobs/worker.js';
import { openStore } from '../src/store/index.js';

const engine = process.env.ENGINE ?? 'dayshift';
const concurrency = Number(process.env.CONCURRENCY ?? 500);
let stop: () => Promise<void>;

if (engine === 'pgboss') {
  const { default: PgBoss } = await import('pg-boss');
  const boss = new PgBoss({ connectionString: process.env.STORE_URL, max: 4 });
  boss.on('error', (error) => process.stderr.write(`pg-boss: ${String(error)}\n`));
  await boss.start();
  // pg-boss fetches one batch per poller per polling interval (0.5 s at the least), so its throughput
  // is pollers × batch size × 2 per second: give it large batches, as its docs advise for volume.
  const batchSize = Number(process.env.PGBOSS_BATCH ?? 500);
  for (let i = 0; i < 4; i++) {
    await boss.work('bench', { batchSize, pollingIntervalSeconds: 0.5 }, async () => {});
  }
  stop = () => boss.stop({ graceful: false, wait: true });
} else {
  const store = await openStore(
    process.env.STORE_URL
      ? { url: process.env.STORE_URL, poolSize: 4 }
      : { sqlitePath: process.env.SQLITE_PATH ?? '' },
  );
  const kinds: JobKind[] = [{ kind: 'bench', handler: async () => undefined }];
  const worker = new Worker(new JobQueue(store, { kinds }), kinds, {
    concurrency,
    claimBatch: concurrency,
    pollMs: 10,
  });
  worker.on('error', (error) => process.stderr.write(`worker: ${String(error)}\n`));
  worker.start();
  stop = async () => {
    await worker.stop({ deadlineMs: 1_000 });
    await store.close();
  };
}
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void stop().then(() => process.exit(0));
});
