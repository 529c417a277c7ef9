import type { FeatureDefinition } from '../features/types.js';
import { monitorFeature } from '../monitor/feature.js';
import { runbooksFeature } from '../runbooks/feature.js';
import { Alerting } from './alerting.js';
import { deliveryJobKind } from './delivery-job.js';
import { alertRoutes } from './routes.js';

/**
 * Alerting: the engine that opens and resolves alerts from check states, rules and backup runs, the
 * outbox's delivery job, and the alerts, silences and maintenance API. Listed after the monitor, so a
 * check's state change reaches it at once rather than at the next tick.
 */
export const alertsFeature: FeatureDefinition<Alerting> = {
  name: 'alerts',
  open(context) {
    const { stack, store, queue, clock, logger, settings } = context;
    if (!stack) return undefined;
    const alerting = new Alerting({
      db: store.db,
      config: stack.config,
      queue,
      clock,
      logger: logger.child({ component: 'alerts' }),
      monitor: context.use(monitorFeature),
      tickMs: settings.alertTickMs,
      remediation: context.use(runbooksFeature),
      baseDir: stack.baseDir,
    });
    const { outbox } = alerting;
    // Read by each delivery as it runs, so a reload's notifiers and fallback apply to the next one.
    const delivery = { db: store.db, config: stack.config, baseDir: stack.baseDir, clock, outbox };
    return {
      api: alerting,
      jobKinds: [deliveryJobKind(delivery)],
      routes: (app) => alertRoutes(app, { alerting }),
      reload(next) {
        delivery.config = next.config;
        alerting.reload(next.config);
        // A pass now rather than at the next tick: alerts of removed checks resolve at once.
        alerting.engine.poke();
        return undefined;
      },
      start: () => alerting.start(),
      stop: () => alerting.stop(),
    };
  },
};
