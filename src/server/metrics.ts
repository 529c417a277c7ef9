import { EventEmitter } from 'node:events';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { JobQueue } from '../jobs/queue.js';
import type { Job } from '../jobs/types.js';

const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;

/**
 * The Prometheus registry of one Dayshift node: the queue as the store sees it (shared by every
 * node), what this node's worker did, and the process itself.
 */
export function createMetrics(options: { queue: JobQueue; worker?: EventEmitter; version: string }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Left out: three gauges named like counters, which promtool (rightly) rejects, and three quantiles
  // baked into names, which Prometheus's conventions refuse (the lag's min, mean and max stay).
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
    'nodejs_eventloop_lag_p50_seconds',
    'nodejs_eventloop_lag_p90_seconds',
    'nodejs_eventloop_lag_p99_seconds',
  ]) {
    registry.removeSingleMetric(name);
  }

  new Gauge({
    name: 'dayshift_build_info',
    help: 'Always 1; the labels say which Dayshift is running.',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version: options.version }, 1);

  // Gauges read at scrape time, so every node reports the same shared queue.
  let snapshot: Awaited<ReturnType<JobQueue['health']>> | undefined;
  const refresh = async () => {
    snapshot = await options.queue.health();
  };
  new Gauge({
    name: 'dayshift_jobs',
    help: 'Jobs in the queue by kind and status.',
    labelNames: ['kind', 'status'],
    registers: [registry],
    async collect() {
      await refresh();
      this.reset();
      for (const entry of snapshot?.byKind ?? []) {
        for (const status of JOB_STATUSES) this.set({ kind: entry.kind, status }, entry.counts[status] ?? 0);
      }
    },
  });
  // The queue's wait percentiles are not exported: quantiles of `dayshift_job_wait_seconds` summed
  // over the nodes give them, as Prometheus computes them (histogram_quantile).
  new Gauge({
    name: 'dayshift_queue_oldest_queued_age_seconds',
    help: 'Age of the oldest job that is due and still waiting; 0 when none waits.',
    registers: [registry],
    collect() {
      this.set((snapshot?.oldestQueuedAgeMs ?? 0) / 1000);
    },
  });
  const waits = new Histogram({
    name: 'dayshift_job_wait_seconds',
    help: 'Time from a job being due to this node starting it.',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'dayshift_jobs_finished_total',
    help: 'Job attempts this node finished, by kind and outcome.',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const worker = options.worker ?? new EventEmitter();
  worker.on('job:start', (job: Job) => {
    const due = Math.max(job.runAt, job.createdAt);
    if (job.startedAt !== null) waits.observe({ kind: job.kind }, Math.max(0, job.startedAt - due) / 1000);
  });
  worker.on('job:complete', (job: Job) => outcomes.inc({ kind: job.kind, outcome: 'completed' }));
  worker.on('job:retry', (job: Job) => outcomes.inc({ kind: job.kind, outcome: 'retried' }));
  worker.on('job:fail', (job: Job) => outcomes.inc({ kind: job.kind, outcome: 'failed' }));

  return { registry, contentType: registry.contentType };
}

export type Metrics = ReturnType<typeof createMetrics>;
