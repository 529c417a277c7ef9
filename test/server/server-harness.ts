import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { TokenService } from '../../src/access/tokens.js';
import type { Feature } from '../../src/features/types.js';
import { selftestJob } from '../../src/jobs/builtin/selftest.js';
import type { JobKind } from '../../src/jobs/kinds.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { Worker } from '../../src/jobs/worker.js';
import { silentLogger } from '../../src/log/logger.js';
import { buildServer } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { openStore, type Store } from '../../src/store/index.js';

export interface Harness {
  store: Store;
  queue: JobQueue;
  worker: Worker;
  tokens: TokenService;
  app: FastifyInstance;
  baseUrl: string;
  /** One token per role. */
  token: { viewer: string; operator: string; admin: string };
  close(): Promise<void>;
}

/**
 * A real server on a loopback port over a fresh SQLite store (or the PostgreSQL URL given), with a
 * worker that runs the selftest kind, and one token per role. `features`, given the store, are served as a
 * node serves its features (routes under `/api/v1`), to test routes without the feature that opens them.
 */
export async function startHarness(
  options: {
    pgUrl?: string;
    kinds?: JobKind[];
    features?: (store: Store) => readonly Feature<unknown>[];
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-server-'));
  const store = await openStore(
    options.pgUrl ? { url: options.pgUrl } : { sqlitePath: path.join(dir, 'state.db') },
  );
  await store.migrate();
  const queue = new JobQueue(store);
  const worker = new Worker(queue, options.kinds ?? [selftestJob as JobKind], {
    pollMs: 20,
    logger: silentLogger(),
  });
  const tokens = new TokenService(store);
  const metrics = createMetrics({ queue, worker, version: 'test' });
  const app = await buildServer({
    store,
    queue,
    tokens,
    metrics,
    logger: silentLogger(),
    version: 'test',
    streamPollMs: 25,
    requestableKinds: new Set(['selftest']),
    features: options.features?.(store),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  const token = {
    viewer: (await tokens.create({ name: 'v', role: 'viewer' })).token,
    operator: (await tokens.create({ name: 'o', role: 'operator' })).token,
    admin: (await tokens.create({ name: 'a', role: 'admin' })).token,
  };
  worker.start();
  return {
    store,
    queue,
    worker,
    tokens,
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    token,
    async close() {
      await worker.stop({ deadlineMs: 2_000 });
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
