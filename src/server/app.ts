import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TokenService } from '../access/tokens.js';
import type { Feature } from '../features/types.js';
import type { StoreSeries } from '../http/prom-text.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/index.js';
import { type Clock, systemClock } from '../util/clock.js';
import { LIMITS } from '../util/input-bounds.js';
import { installAuditHook } from './audit-hook.js';
import { challengeWithBasic, installAuth } from './auth.js';
import { answerClientError, answerUnroutable, installErrorHandler } from './http-errors.js';
import type { Metrics } from './metrics.js';
import { QuietProbeLogs } from './request-logging.js';
import { auditRoutes } from './routes/audit.js';
import { healthRoutes, type ReadinessSources } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { tokenRoutes } from './routes/tokens.js';

/** Where the features' routes answer: a route a feature writes `/checks` is `/api/v1/checks`. */
export const API_PREFIX = '/api/v1';

export interface ServerDependencies {
  store: Store;
  queue: JobQueue;
  tokens: TokenService;
  metrics: Metrics;
  logger: Logger;
  version: string;
  clock?: Clock;
  scheduler?: ReadinessSources['scheduler'];
  /** `/metrics` without a token (the default, as Prometheus scrapers expect); false requires a viewer token. */
  metricsPublic?: boolean;
  streamPollMs?: number;
  requestableKinds?: ReadonlySet<string>;
  /**
   * The node's features, in the order of their list: their routes are registered (under `/api/v1`, and
   * `rootRoutes` at the root), their collectors added to the registry and their series to `/metrics`.
   */
  features?: readonly Feature<unknown>[];
}

/** The HTTP API of one node. Routes are plugins; auth and errors are handled in one place each. */
export async function buildServer(deps: ServerDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger and Fastify's logger type differ only in generics; the instance is the same.
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Requests to /health, /ready and /metrics are logged at debug: probes would drown the rest.
    logController: new QuietProbeLogs(),
    // Job ids in paths are numbers; coercion lets the schemas say so.
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false } },
    // Fastify's default too, said here so the limit is ours: past it a request is a 413.
    bodyLimit: LIMITS.bodyBytes,
    // One spelling per route: another case, a doubled or trailing slash matches nothing (404), and so
    // does a `;` parameter (Fastify 5 keeps `;` in the path by default). Percent-encoded characters
    // are decoded before matching; whatever matched, access is decided on that route (auth.ts).
    // A parameter up to a bounded name, percent-encoded, reaches its route's schema (a 400 in the house
    // shape); only a longer one is refused by the router.
    routerOptions: {
      caseSensitive: true,
      ignoreTrailingSlash: false,
      ignoreDuplicateSlashes: false,
      maxParamLength: 12 * LIMITS.expression,
    },
    // A path the router cannot read (bad percent-encoding, too long a parameter) matches no route: the
    // not-found answer. A request Node cannot parse (headers past 16 KiB) is answered in the house shape.
    frameworkErrors: answerUnroutable,
    clientErrorHandler: answerClientError,
  });
  installErrorHandler(app);
  installAuth(app, { tokens: deps.tokens });
  installAuditHook(app, { store: deps.store, clock: deps.clock ?? systemClock, logger: deps.logger });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Dayshift API',
        version: deps.version,
        description:
          'Every route here needs `Authorization: Bearer <token>`; create one with `dayshift token create`.',
      },
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' } } },
      security: [{ token: [] }],
    },
  });
  await app.register(async (docs) => {
    challengeWithBasic(docs);
    await docs.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  });

  await app.register(healthRoutes, {
    store: deps.store,
    clock: deps.clock ?? systemClock,
    scheduler: deps.scheduler,
  });
  await app.register(jobRoutes, {
    queue: deps.queue,
    streamPollMs: deps.streamPollMs,
    requestableKinds: deps.requestableKinds ?? new Set<string>(),
  });
  await app.register(tokenRoutes, { tokens: deps.tokens });
  await app.register(auditRoutes, { store: deps.store, clock: deps.clock ?? systemClock });
  const storeSeries: StoreSeries[] = [];
  for (const feature of deps.features ?? []) {
    if (feature.routes) await app.register(feature.routes, { prefix: API_PREFIX });
    if (feature.rootRoutes) await app.register(feature.rootRoutes);
    const series = feature.metrics?.(deps.metrics.registry);
    if (series) storeSeries.push(series);
  }

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const metricsPublic = deps.metricsPublic ?? true;
  app.get(
    '/metrics',
    { config: { public: metricsPublic }, schema: { hide: true } },
    async (_request, reply) => {
      const series = await Promise.all(storeSeries.map((read) => read()));
      const text = (await deps.metrics.registry.metrics()) + series.join('');
      return reply.type(deps.metrics.contentType).send(text);
    },
  );
  return app;
}
