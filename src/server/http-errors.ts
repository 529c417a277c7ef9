import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { scrubSecrets } from '../config/secret.js';
import { DayshiftError, type ErrorCode } from '../errors.js';

/** The one place that turns an error into an HTTP response. */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  CONFIG_INVALID: 400,
  JOB_KIND_UNKNOWN: 400,
  AUTH_REQUIRED: 401,
  AUTH_FORBIDDEN: 403,
  JOB_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  CHECK_NOT_FOUND: 404,
  ALERT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  BACKUP_CORRUPT: 422,
  BACKUP_FAILED: 502,
  BACKUP_PASSPHRASE: 422,
  RESTORE_TARGET_REFUSED: 403,
  CONFIG_NOT_FOUND: 404,
  JOB_STATE_CONFLICT: 409,
  STORE_UNAVAILABLE: 503,
  STORE_MIGRATION_FAILED: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | DayshiftError | Error, request, reply) => {
    if (error instanceof DayshiftError) {
      const status = STATUS_BY_CODE[error.code] ?? 500;
      if (status >= 500) request.log.error({ err: error }, error.message);
      const body: ErrorBody = { error: { code: error.code, message: scrubSecrets(error.message) } };
      if (error.hint) body.error.hint = scrubSecrets(error.hint);
      return reply.status(status).send(body);
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      return reply.status(400).send({
        error: { code: 'BAD_REQUEST', message: scrubSecrets(fastifyError.message) },
      } satisfies ErrorBody);
    }
    const status = fastifyError.statusCode && fastifyError.statusCode < 500 ? fastifyError.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message = status >= 500 ? 'internal error; see the server log' : scrubSecrets(error.message);
    return reply
      .status(status)
      .send({ error: { code: status >= 500 ? 'INTERNAL' : 'BAD_REQUEST', message } });
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.status(404).send(notFoundBody);
  });
}

/**
 * The answer to a request no route matched. It is the same for every method, path and token, so it
 * echoes nothing of the request and says no more than that nothing is here.
 */
const notFoundBody: ErrorBody = {
  error: {
    code: 'NOT_FOUND',
    message: 'no route has this method and path',
    hint: 'GET /api/openapi.json (with a token) lists the API routes',
  },
};

/**
 * Fastify's answer to a path the router cannot even read (bad percent-encoding, a segment longer than
 * a parameter may be) echoes the path; such a path matches no route, so it gets the not-found answer.
 */
export function answerUnroutable(_error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  reply.status(404).send(notFoundBody);
}

/** JSON Schema of the error body, shared by every route's responses. */
export const errorResponseSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

/** The error answers most routes document: bad request, no token, wrong role, not found. */
export const errorResponses = {
  400: errorResponseSchema,
  401: errorResponseSchema,
  403: errorResponseSchema,
  404: errorResponseSchema,
} as const;
