import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DayshiftError, type ErrorCode, ruleOf } from '../errors.js';
import { scrubSecrets } from '../schema/secret.js';
import { LIMITS } from '../util/input-bounds.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; hint?: string };
}

/** Fastify's own errors that have a code of ours, so their answers say the same as the rest. */
const FRAMEWORK_ERRORS: Record<string, { code: ErrorCode; message: string; hint: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'BODY_TOO_LARGE',
    message: `the request body is larger than ${LIMITS.bodyBytes} bytes`,
    hint: 'send a smaller body; no API input needs more',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'MEDIA_TYPE_UNSUPPORTED',
    message: 'the request body is not JSON',
    hint: 'send the body as JSON with content-type: application/json',
  },
};

/** A framework error as one of ours when it has a code of ours: a schema violation is a BAD_REQUEST. */
function asDayshiftError(error: FastifyError | DayshiftError | Error): DayshiftError | Error {
  if (error instanceof DayshiftError) return error;
  const known = FRAMEWORK_ERRORS[(error as FastifyError).code ?? ''];
  if (known) return new DayshiftError(known.code, known.message, { hint: known.hint, cause: error });
  if ((error as FastifyError).validation)
    return new DayshiftError('BAD_REQUEST', error.message, { cause: error });
  return error;
}

/**
 * The answer to any error: a DayshiftError (also a framework error that has a code of ours) with the
 * status of its code's row in ERROR_TABLE; a framework 4xx that has none (a body that is not valid
 * JSON) keeps its status with code BAD_REQUEST; anything else is INTERNAL, logged, and says no more.
 */
export function answerError(
  thrown: FastifyError | DayshiftError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const error = asDayshiftError(thrown);
  if (error instanceof DayshiftError) {
    const status = ruleOf(error.code).http;
    if (status >= 500) request.log.error({ err: error }, error.message);
    const body: ErrorBody = { error: { code: error.code, message: scrubSecrets(error.message) } };
    if (error.hint) body.error.hint = scrubSecrets(error.hint);
    return reply.status(status).send(body);
  }
  const statusCode = (error as FastifyError).statusCode;
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500)
    return reply.status(statusCode).send({
      error: { code: 'BAD_REQUEST', message: scrubSecrets(error.message) },
    } satisfies ErrorBody);
  request.log.error({ err: error }, 'request failed');
  return reply.status(ruleOf('INTERNAL').http).send({
    error: { code: 'INTERNAL', message: 'internal error; see the server log' },
  } satisfies ErrorBody);
}

/** What Node's HTTP parser refuses before Fastify sees a request, said in the house shape. */
const CLIENT_ERRORS: Record<string, { code: ErrorCode; message: string; hint: string }> = {
  HPE_HEADER_OVERFLOW: {
    code: 'HEADERS_TOO_LARGE',
    message: 'the request line and headers are too large',
    hint: 'send a shorter path, query or headers',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'REQUEST_TIMEOUT',
    message: 'the request took too long to arrive',
    hint: 'send it again',
  },
};

/** Anything else Node's parser refuses. */
const NOT_HTTP = {
  code: 'BAD_REQUEST',
  message: 'the request is not valid HTTP',
  hint: 'send a well-formed HTTP/1.1 request',
} as const;

/**
 * Answers a request Node's HTTP parser could not read (Fastify's `clientErrorHandler`): a body in the
 * house shape with its code's status, then the connection is closed, as Node does by default.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ''] ?? NOT_HTTP;
  const status = ruleOf(known.code).http;
  const body = JSON.stringify({ error: known } satisfies ErrorBody);
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((_request, reply) => {
    reply.status(ruleOf('NOT_FOUND').http).send(notFoundBody);
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
  reply.status(ruleOf('NOT_FOUND').http).send(notFoundBody);
}
