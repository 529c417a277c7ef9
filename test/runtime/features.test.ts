import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Gauge } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { openFeatures } from '../../src/features/open.js';
import type { FeatureDefinition } from '../../src/features/types.js';
import { JobQueue } from '../../src/jobs/queue.js';
import type { Job } from '../../src/jobs/types.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import type { Store } from '../../src/store/index.js';
import { systemClock } from '../../src/util/clock.js';
import { routerTable } from '../helpers/route-table.js';
import { until } from '../helpers/wait.js';

/**
 * A feature plugs into a node through its declaration alone: its job kinds run on the worker, its
 * schedules are defined, its routes answer under /api/v1 (and the root) with the access they declare,
 * its metrics are in /metrics, and features start in list order and stop in the reverse one, while
 * the store is still open.
 */

interface Probe {
  /** What happened, in order: `start <name>`, `stop <name>`. */
  events: string[];
}

/** A feature that records its start and stop; `stop` reads the store, so it fails once the store is closed. */
function recorder(
  name: string,
  probe: Probe,
  extra: { failStart?: boolean; uses?: FeatureDefinition<string> } = {},
): FeatureDefinition<string> {
  return {
    name,
    open(context) {
      const used = extra.uses ? context.use(extra.uses) : undefined;
      const store: Store = context.store;
      return {
        api: `${name} api${used ? ` (uses ${used})` : ''}`,
        start() {
          probe.events.push(`start ${name}`);
          if (extra.failStart) throw new Error(`${name} cannot start`);
        },
        async stop() {
          await store.db.selectFrom('jobs').select('id').limit(1).execute();
          probe.events.push(`stop ${name}`);
        },
      };
    },
  };
}

/** The feature under test: one of everything a feature can declare. */
function gadgets(probe: Probe): FeatureDefinition<string> {
  const base = recorder('gadgets', probe);
  return {
    name: 'gadgets',
    open(context) {
      const recorded = base.open(context);
      return {
        ...recorded,
        jobKinds: [
          {
            kind: 'gadgets.polish',
            retry: { maxAttempts: 7 },
            handler: async ({ job }) => ({ polished: (job.payload as { gadget: string }).gadget }),
          },
        ],
        schedules: [{ name: 'gadgets.polish:nightly', kind: 'gadgets.polish', cron: '0 3 * * *' }],
        routes: async (app) => {
          app.get('/gadgets', async () => ({ gadgets: ['sprocket'] }));
          app.post('/gadgets', { config: { role: 'operator' } }, async () => ({
            job: await context.queue.enqueue('gadgets.polish', { gadget: 'sprocket' }),
          }));
        },
        rootRoutes: async (app) => {
          app.get('/gadget-ping', { config: { public: true } }, async () => 'pong');
        },
        metrics: (registry) => {
          new Gauge({ name: 'dayshift_gadgets_made', help: 'Gadgets made.', registers: [registry] }).set(3);
          return async () =>
            '# HELP dayshift_gadget_shine Shine.\n# TYPE dayshift_gadget_shine gauge\ndayshift_gadget_shine 1\n';
        },
      };
    },
  };
}

describe('a feature declared to a node', () => {
  const probe: Probe = { events: [] };
  let dir: string;
  let node: RunningNode;
  let token: { viewer: string; operator: string };
  const first = recorder('first', probe);
  const last = recorder('last', probe, { uses: first });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dayshift-features-'));
    node = await startNode({
      store: { sqlitePath: path.join(dir, 'state.db') },
      listen: '127.0.0.1:0',
      logger: silentLogger(),
      features: [first, gadgets(probe), last],
    });
    const tokens = new TokenService(node.store);
    token = {
      viewer: (await tokens.create({ name: 'v', role: 'viewer' })).token,
      operator: (await tokens.create({ name: 'o', role: 'operator' })).token,
    };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, url: string, bearer?: string) =>
    fetch(`${node.address}${url}`, {
      method,
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });

  it('starts the features in list order, each reaching those before it', () => {
    expect(probe.events).toEqual(['start first', 'start gadgets', 'start last']);
    expect(node.use(first)).toBe('first api');
    expect(node.use(last)).toBe('last api (uses first api)');
    expect(node.monitor).toBeUndefined();
  });

  it('serves its routes under /api/v1 and its root routes at the root, with the access they declare', async () => {
    const table = routerTable(node.server.printRoutes()).map((r) => `${r.method} ${r.url}`);
    expect(table).toEqual(
      expect.arrayContaining(['GET /api/v1/gadgets', 'POST /api/v1/gadgets', 'GET /gadget-ping']),
    );
    expect(table).not.toContain('GET /gadgets');
    expect((await call('GET', '/api/v1/gadgets')).status).toBe(401);
    expect(await (await call('GET', '/api/v1/gadgets', token.viewer)).json()).toEqual({
      gadgets: ['sprocket'],
    });
    expect((await call('POST', '/api/v1/gadgets', token.viewer)).status).toBe(403);
    expect(await (await call('GET', '/gadget-ping')).text()).toBe('pong');
  });

  it('puts its collectors and its series in /metrics', async () => {
    const text = await (await call('GET', '/metrics')).text();
    expect(text).toContain('\ndayshift_gadgets_made 3\n');
    expect(text).toContain('\ndayshift_gadget_shine 1\n');
    expect(text).toContain('dayshift_build_info');
  });

  it('runs its job kinds on the worker, with their retry policy, and defines its schedules', async () => {
    const answer = await call('POST', '/api/v1/gadgets', token.operator);
    const { job } = (await answer.json()) as { job: Job };
    // The node's queue learnt the kind's retry policy from the declaration.
    expect(job.maxAttempts).toBe(7);
    const queue = new JobQueue(node.store);
    const done = await until(async () => {
      const now = await queue.get(job.id);
      return now?.status === 'completed' ? now : undefined;
    }, 'the gadgets.polish job to complete');
    expect(done.result).toEqual({ polished: 'sprocket' });
    const schedule = await node.store.db
      .selectFrom('schedules')
      .selectAll()
      .where('name', '=', 'gadgets.polish:nightly')
      .executeTakeFirstOrThrow();
    expect(schedule).toMatchObject({ kind: 'gadgets.polish', cron: '0 3 * * *' });
  });

  it('stops the features in reverse order, while the store is still open', async () => {
    await node.stop('test over');
    expect(probe.events).toEqual([
      'start first',
      'start gadgets',
      'start last',
      'stop last',
      'stop gadgets',
      'stop first',
    ]);
  });
});

describe('a node whose features cannot all start', () => {
  let dir: string;
  let stateDb: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dayshift-features-'));
    stateDb = path.join(dir, 'state.db');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (features: FeatureDefinition<unknown>[]) =>
    startNode({ store: { sqlitePath: stateDb }, listen: '127.0.0.1:0', logger: silentLogger(), features });

  /** The node closed its store: this process holds no file descriptor on the SQLite file any more. */
  const storeClosed = () => {
    const held = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(stateDb);
      } catch {
        return false;
      }
    });
    expect(held, 'descriptors still open on the store').toEqual([]);
  };

  it('stops those that started, in reverse order, closes the store, and says why', async () => {
    const probe: Probe = { events: [] };
    await expect(
      start([
        recorder('first', probe),
        recorder('second', probe),
        recorder('broken', probe, { failStart: true }),
        recorder('never', probe),
      ]),
    ).rejects.toThrow('broken cannot start');
    expect(probe.events).toEqual([
      'start first',
      'start second',
      'start broken',
      'stop second',
      'stop first',
    ]);
    storeClosed();
  });

  it('refuses a feature that uses one listed after it, and a job kind declared twice', async () => {
    const probe: Probe = { events: [] };
    const later = recorder('later', probe);
    await expect(start([recorder('early', probe, { uses: later }), later])).rejects.toThrow(
      'the early feature uses later, which is not listed before it',
    );
    storeClosed();
    const twice = (name: string): FeatureDefinition => ({
      name,
      open: () => ({ jobKinds: [{ kind: 'same.kind', handler: async () => undefined }] }),
    });
    await expect(start([twice('one'), twice('two')])).rejects.toThrow(
      'the job kind "same.kind" is declared by both the one and the two feature',
    );
    storeClosed();
    expect(probe.events).toEqual([]);
  });

  it('refuses a route whose access could be misread, and closes what it opened', async () => {
    const misread: FeatureDefinition = {
      name: 'misread',
      open: () => ({
        routes: async (app) => {
          app.get('/both', { config: { public: true, role: 'admin' } }, async () => 'ran');
        },
      }),
    };
    await expect(start([misread])).rejects.toThrow(/both public and a role/);
    storeClosed();
  });
});

describe('opening features', () => {
  it('gives each feature the context and lists the kinds and schedules in list order', () => {
    const seen: string[] = [];
    const declare = (name: string): FeatureDefinition => ({
      name,
      open(context) {
        seen.push(`${name} on ${context.nodeId}`);
        return name === 'off'
          ? undefined
          : {
              jobKinds: [{ kind: `${name}.job`, handler: async () => undefined }],
              schedules: [{ name: `${name}.job`, kind: `${name}.job`, every: 1_000 }],
            };
      },
    });
    const features = openFeatures([declare('a'), declare('off'), declare('b')], {
      nodeId: 'node-1',
      store: undefined as unknown as Store,
      queue: undefined as unknown as JobQueue,
      clock: systemClock,
      logger: silentLogger(),
      stack: undefined,
      settings: {},
    });
    expect(seen).toEqual(['a on node-1', 'off on node-1', 'b on node-1']);
    expect(features.opened.map((o) => o.name)).toEqual(['a', 'b']);
    expect(features.jobKinds.map((k) => k.kind)).toEqual(['a.job', 'b.job']);
    expect(features.schedules.map((s) => s.name)).toEqual(['a.job', 'b.job']);
  });
});
