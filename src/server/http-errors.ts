import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DayshiftError, type ErrorCode } from '../errors.js';
import { scrubSecrets } from '../schema/secret.js';
import { LIMITS } from '../util/input-bounds.js';

/** The one place that turns an error into an HTTP response. */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  BODY_TOO_LARGE: 413,
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
  RUN_STATE_CONFLICT: 409,
  STORE_UNAVAILABLE: 503,
  STORE_MIGRATION_FAILED: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

/** Fastify's own errors that have a code of ours, so their answers say the same as the rest. */
function asDayshiftError(error: FastifyError | DayshiftError | Error): DayshiftError | Error {
  if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new DayshiftError('BODY_TOO_LARGE', `the request body is larger than ${LIMITS.bodyBytes} bytes`, {
      hint: 'send a smaller body; no API input needs more',
    });
  return error;
}

/**
 * The answer to any error: a DayshiftError by its code, a schema violation as a 400, Fastify's own
 * 4xx errors (also those the router raises before any route, as `frameworkErrors`) with their status.
 */
export function answerError(
  thrown: FastifyError | DayshiftError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const error = asDayshiftError(thrown);
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
  return reply.status(status).send({ error: { code: status >= 500 ? 'INTERNAL' : 'BAD_REQUEST', message } });
}

/** What Node's HTTP parser refuses before Fastify sees a request, said in the house shape. */
const CLIENT_ERRORS: Record<string, { status: number; message: string; hint: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    message: 'the request line and headers are too large',
    hint: 'send a shorter path, query or headers',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    message: 'the request took too long to arrive',
    hint: 'send it again',
  },
};

/**
 * Answers a request Node's HTTP parser could not read (Fastify's `clientErrorHandler`): a body in the
 * house shape, then the connection is closed, as Node does by default.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ''];
  const status = known?.status ?? 400;
  const body = JSON.stringify({
    error: {
      code: 'BAD_REQUEST',
      message: known?.message ?? 'the request is not valid HTTP',
      hint: known?.hint ?? 'send a well-formed HTTP/1.1 request',
    },
  } satisfies ErrorBody);
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(answerError);
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
