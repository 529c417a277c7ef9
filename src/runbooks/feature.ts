import { Deploys } from '../deploys/deploys.js';
import { DayshiftError } from '../errors.js';
import { startOrphanSweep } from '../features/orphan-sweep.js';
import type { FeatureDefinition, StackContext } from '../features/types.js';
import {
  runbookJobKinds,
  runbookSchedules,
  runsPruneJobKind,
  runsPruneSchedule,
  startQueued,
} from './jobs.js';
import { runbookRoutes } from './routes.js';
import { Runbooks } from './runbooks.js';
import { alertMatches, type FiringAlert } from './triggers.js';

/** How often a node closes the runbook runs whose process on this host died (ms). */
const SWEEP_MS = 2_000;

/** What a runbook started for an alert did: the run it opened, or why none was opened. */
export interface Remediation {
  runbook: string;
  runId: number | null;
  /** `running` when opened; `refused: <why>` when its concurrency or max_runs refused it. */
  status: string;
}

/** What the runbooks feature gives the features after it: alerts start remediations through it. */
export interface RunbooksApi {
  /** Opens and queues a run of every runbook whose `on: { alert }` matches the alert that fired. */
  remediate(alert: FiringAlert): Promise<Remediation[]>;
}

/**
 * Runbooks: the runs API, the jobs that carry runs out (from the API, a schedule or an alert), their
 * schedules, and a sweep that closes runs whose process on this host died. Listed before alerts, which
 * start remediations through its `api`.
 */
export const runbooksFeature: FeatureDefinition<RunbooksApi> = {
  name: 'runbooks',
  open({ stack, store, queue, clock, logger }) {
    if (!stack) return undefined;
    const log = logger.child({ component: 'runbooks' });
    const build = (s: StackContext) => {
      const env = { config: s.config, configPath: s.configPath, baseDir: s.baseDir, store, clock };
      // A runbook's deploy and rollback steps are deploy runs of their own, carried out by this node.
      return new Runbooks({ ...env, deploys: new Deploys(env).port('runbook') });
    };
    let runbooks = build(stack);
    const stopping = new AbortController();
    let stopSweep = () => {};
    const longest = () => Math.max(0, ...runbooks.names().map((n) => runbooks.definition(n).timeout));
    const api: RunbooksApi = {
      async remediate(alert) {
        const out: Remediation[] = [];
        for (const name of runbooks.names()) {
          const triggers = (runbooks.definition(name).on ?? []).filter((t) => alertMatches(t, alert));
          const first = triggers[0];
          if (!first) continue;
          try {
            const { runId } = await startQueued(
              runbooks,
              queue,
              name,
              first.params ?? {},
              `alert:${alert.key}#${alert.id}`,
            );
            log.info(
              { runbook: name, run: runId, alert: alert.id },
              `runbook ${name} started for alert ${alert.key}`,
            );
            out.push({ runbook: name, runId, status: 'running' });
          } catch (error) {
            if (!(error instanceof DayshiftError)) throw error;
            log.warn(
              { runbook: name, alert: alert.id, err: error },
              `runbook ${name} not started: ${error.message}`,
            );
            out.push({ runbook: name, runId: null, status: `refused: ${error.message}` });
          }
        }
        return out;
      },
    };
    return {
      api,
      jobKinds: [
        ...runbookJobKinds(() => runbooks, { signal: stopping.signal, longestMs: longest }),
        runsPruneJobKind(() => runbooks),
      ],
      schedules: [...runbookSchedules(runbooks), runsPruneSchedule],
      routes: (app) => runbookRoutes(app, { runbooks: () => runbooks, queue }),
      start() {
        stopSweep = startOrphanSweep(SWEEP_MS, () => runbooks.settleOrphans(), log, 'runbook run');
      },
      stop() {
        stopSweep();
        stopping.abort(new Error('the node is stopping'));
      },
      reload(next) {
        runbooks = build(next);
        return undefined;
      },
    };
  },
};
