import type { FastifyRequest } from 'fastify';

/** The run a request opened, by request: set by the route as soon as it has one. */
const runs = new WeakMap<FastifyRequest, number>();

/**
 * Notes the run a request opened, so its audit entry names it even when the work then fails and the
 * answer is an error that carries no run (`src/server/audit-hook.ts` reads it).
 */
export function noteRequestRun(request: FastifyRequest, runId: number): void {
  runs.set(request, runId);
}

/** The run noted for a request, if any. */
export function requestRun(request: FastifyRequest): number | undefined {
  return runs.get(request);
}
