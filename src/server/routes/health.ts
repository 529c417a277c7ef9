import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.js';
import type { Clock } from '../../util/clock.js';

export interface ReadinessSources {
  store: Store;
  clock: Clock;
  /** The scheduler's last tick and interval; a node without a scheduler leaves this out. */
  scheduler?: { readonly lastTickAt: number | null; readonly tickMs: number };
}

/** `/health` says the process answers; `/ready` says it can do its work. Both are open to anyone. */
export async function healthRoutes(app: FastifyInstance, sources: ReadinessSources): Promise<void> {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        hide: true,
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get('/ready', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await sources.store.ping();
      checks.store = { ok: true };
      const pending = await sources.store.pendingMigrations();
      checks.migrations =
        pending.length === 0 ? { ok: true } : { ok: false, detail: `pending: ${pending.join(', ')}` };
    } catch (error) {
      checks.store = { ok: false, detail: error instanceof Error ? error.message : 'unreachable' };
    }
    if (sources.scheduler) {
      const last = sources.scheduler.lastTickAt;
      // Three missed ticks means the scheduler loop is stuck or dead, not merely late.
      const alive = last !== null && sources.clock.now() - last <= sources.scheduler.tickMs * 3 + 1000;
      checks.scheduler = alive
        ? { ok: true }
        : { ok: false, detail: last === null ? 'not started' : 'no recent tick' };
    }
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
}
