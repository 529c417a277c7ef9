import { expect } from 'vitest';
import { JobClaims } from '../../src/jobs/claims.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import type { ReplayReport, ReplaySkip } from '../../src/jobs/replay.js';

/** The failed jobs of one replay case, all of kind `replay-keyed`, and the live jobs holding keys. */
export interface ReplayCase {
  /** Three failed jobs sharing `k-shared`, oldest first; no live job holds the key. */
  shared: number[];
  /** Two failed jobs whose key `k-queued` a queued job holds. */
  queuedKey: number[];
  /** A failed job whose key `k-running` a running job holds. */
  runningKey: number;
  /** A failed job alone with its key `k-solo`. */
  solo: number;
  /** Two failed jobs without a key. */
  plain: number[];
  queuedHolder: number;
  runningHolder: number;
}

export const REPLAY_KIND = 'replay-keyed';

/** Queues and fails the jobs of the case; the holders are of another kind, as a unique key spans kinds. */
export async function seedReplayCase(queue: JobQueue): Promise<ReplayCase> {
  const claims = new JobClaims(queue, 'node-replay-case');
  const failOne = async (uniqueKey?: string) => {
    const job = (await queue.enqueue(REPLAY_KIND, {}, { maxAttempts: 1, uniqueKey }))!;
    const [claimed] = await claims.claim([REPLAY_KIND], 1, 30_000);
    expect(claimed?.id).toBe(job.id);
    await claims.fail(claimed!, 'smtp down', null);
    return job.id;
  };
  const shared = [await failOne('k-shared'), await failOne('k-shared'), await failOne('k-shared')];
  const queuedKey = [await failOne('k-queued'), await failOne('k-queued')];
  const runningKey = await failOne('k-running');
  const solo = await failOne('k-solo');
  const plain = [await failOne(), await failOne()];
  const runningHolder = (await queue.enqueue('replay-holder', {}, { uniqueKey: 'k-running' }))!;
  const [running] = await claims.claim(['replay-holder'], 1, 30_000);
  expect(running?.id).toBe(runningHolder.id);
  const queuedHolder = (await queue.enqueue('replay-holder', {}, { uniqueKey: 'k-queued' }))!;
  return {
    shared,
    queuedKey,
    runningKey,
    solo,
    plain,
    queuedHolder: queuedHolder.id,
    runningHolder: runningHolder.id,
  };
}

/** What replaying the case's kind must report, ids in ascending order. */
export function expectedReport(c: ReplayCase): ReplayReport {
  const skip = (id: number, uniqueKey: string, reason: string): ReplaySkip => ({
    id,
    kind: REPLAY_KIND,
    uniqueKey,
    reason,
  });
  const newest = c.shared[2]!;
  const replayedIds = [newest, c.solo, ...c.plain].sort((a, b) => a - b);
  return {
    replayed: replayedIds.length,
    replayedIds,
    skipped: [
      ...c.shared
        .slice(0, 2)
        .map((id) =>
          skip(
            id,
            'k-shared',
            `a newer failed job with unique key k-shared was replayed instead: #${newest}`,
          ),
        ),
      ...c.queuedKey.map((id) =>
        skip(id, 'k-queued', `a job with unique key k-queued is already queued: #${c.queuedHolder}`),
      ),
      skip(
        c.runningKey,
        'k-running',
        `a job with unique key k-running is already running: #${c.runningHolder}`,
      ),
    ],
  };
}

/** The report with its ids in ascending order, to compare with `expectedReport`. */
export function sortedReport(report: ReplayReport): ReplayReport {
  return {
    ...report,
    replayedIds: [...report.replayedIds].sort((a, b) => a - b),
    skipped: [...report.skipped].sort((a, b) => a.id - b.id),
  };
}
