import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * Routes that load balancers, container healthchecks and Prometheus call every few seconds. Logged at
 * info, their lines would bury everything else; they are logged at debug instead
 * (`DAYSHIFT_LOG_LEVEL=debug` shows them), unless they fail.
 */
const PROBE_ROUTES: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

function isProbe(request: FastifyRequest): boolean {
  return PROBE_ROUTES.has(request.routeOptions.url ?? '');
}

/** Fastify's request log lines, with a probe route's successful requests moved down to debug. */
export class QuietProbeLogs extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (isProbe(request)) request.log.debug({ req: request }, 'incoming request');
    else super.incomingRequest(request, reply);
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (!error && isProbe(request) && reply.statusCode < 400)
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else super.requestCompleted(error, request, reply);
  }
}
