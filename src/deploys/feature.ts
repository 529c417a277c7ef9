import { startOrphanSweep } from '../features/orphan-sweep.js';
import type { FeatureDefinition, StackContext } from '../features/types.js';
import { Deploys } from './deploys.js';
import { deployJobKind } from './jobs.js';
import { releasesRoutes } from './releases-routes.js';
import { deployRoutes } from './routes.js';

/** How often a node closes the deploy runs whose process on this host died (ms). */
const SWEEP_MS = 2_000;

/**
 * Deploys: the deploys and releases API, the job that carries a deploy out on whichever node claims
 * it, and a sweep that closes deploys whose process on this host died, leaving each service on a
 * recorded release.
 */
export const deploysFeature: FeatureDefinition<() => Deploys> = {
  name: 'deploys',
  open({ stack, store, queue, clock, logger }) {
    if (!stack) return undefined;
    const log = logger.child({ component: 'deploys' });
    const build = (s: StackContext) =>
      new Deploys({ config: s.config, configPath: s.configPath, baseDir: s.baseDir, store, clock });
    let deploys = build(stack);
    const stopping = new AbortController();
    let stopSweep = () => {};
    return {
      api: () => deploys,
      jobKinds: [deployJobKind(() => deploys, { signal: stopping.signal })],
      routes: async (app) => {
        await deployRoutes(app, { deploys: () => deploys, queue });
        await releasesRoutes(deploys.releases)(app, {});
      },
      start() {
        stopSweep = startOrphanSweep(SWEEP_MS, () => deploys.settleOrphans(), log, 'deploy run');
      },
      stop() {
        stopSweep();
        stopping.abort(new Error('the node is stopping'));
      },
      reload(next) {
        deploys = build(next);
        return undefined;
      },
    };
  },
};
