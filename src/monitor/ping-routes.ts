import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DayshiftError } from '../errors.js';
import { LIMITS } from '../util/input-bounds.js';
import { ownValue } from '../util/own.js';
import type { PingKind, PingSignal } from './heartbeats.js';
import type { Monitor } from './monitor.js';
import { PING_BODY_LIMIT, type PingBody, readPingBody } from './ping-body.js';

const ACTIONS: Readonly<Record<string, PingKind>> = { start: 'start', fail: 'fail', log: 'log' };
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const NOT_FOUND = 'no heartbeat check has this URL';

type Query = { rid?: string; create?: string };

/**
 * The heartbeat URLs cron jobs call, in Healthchecks' forms so its clients work by changing the base
 * URL: `/ping/<token>[/start|/fail|/log|/<exit status>]` and `/ping/<ping-key>/<slug>[/...]`, by GET,
 * HEAD or POST with any body of any type. No API token: the URL's secret is the credential, and an
 * unknown one gets the usual 404 answer and learns nothing else.
 */
export async function pingRoutes(app: FastifyInstance, options: { monitor: Monitor }): Promise<void> {
  const { monitor } = options;
  // Any content type: a form, octet-stream, JSON that does not parse; the body is kept as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    readPingBody(payload).then(
      (body) => done(null, body),
      (error: unknown) => done(error as Error, undefined),
    );
  });

  const handler = async (request: FastifyRequest<{ Params: Record<string, string>; Querystring: Query }>) => {
    const parts = [request.params.token, request.params.part, request.params.action].filter(
      (p): p is string => p !== undefined,
    );
    if (parts.some((p) => p.length > LIMITS.expression || p.includes('\u0000')))
      throw new DayshiftError('NOT_FOUND', NOT_FOUND);
    const [first = '', second, third] = parts;
    const keyed = monitor.pingKeyKnown(first) && second !== undefined;
    // A token's URL has at most a signal after it: three parts are only a ping key's.
    if (!keyed && third !== undefined) throw new DayshiftError('NOT_FOUND', NOT_FOUND);
    const action = keyed ? third : second;
    const signal = signalOf(action, request);
    const checkId = keyed
      ? slugCheck(monitor, first, second, request.query.create)
      : await monitor.heartbeats.checkOf(first);
    const check = checkId === undefined ? undefined : monitor.check(checkId);
    if (!check || !(await monitor.heartbeats.ping(check.id, signal)))
      throw new DayshiftError('NOT_FOUND', NOT_FOUND);
    await monitor.pinged(check);
    return 'OK\n';
  };

  // The first part is a check's token or a project's ping key; the rest is a slug and a signal.
  for (const url of ['/ping/:token', '/ping/:token/:part', '/ping/:token/:part/:action'])
    app.route<{ Params: Record<string, string>; Querystring: Query }>({
      method: ['GET', 'POST', 'HEAD'],
      url,
      config: { public: true },
      schema: { hide: true },
      handler: async (request, reply) => {
        const text = await handler(request);
        // Healthchecks' clients (runitor) size what they send by this header.
        return reply.type('text/plain').header('ping-body-limit', String(PING_BODY_LIMIT)).send(text);
      },
    });
}

/** What the URL's last part and the query say: the kind, exit status and run id, with the body. */
function signalOf(
  action: string | undefined,
  request: FastifyRequest<{ Params: Record<string, string>; Querystring: Query }>,
): PingSignal {
  const body = (request.body as PingBody | undefined) ?? { text: '', bytes: 0 };
  const rid = request.query.rid;
  if (rid !== undefined && !UUID.test(rid))
    throw new DayshiftError('BAD_REQUEST', 'the run id (?rid=) must be a UUID', {
      hint: 'runitor sends one; in a script use rid=$(cat /proc/sys/kernel/random/uuid)',
    });
  const signal: PingSignal = {
    kind: 'success',
    method: request.method,
    body: body.text,
    bodyBytes: body.bytes,
    ...(rid === undefined ? {} : { rid: rid.toLowerCase() }),
  };
  if (action === undefined) return signal;
  const kind = ownValue(ACTIONS, action);
  if (kind) return { ...signal, kind };
  if (!/^\d{1,9}$/.test(action)) throw new DayshiftError('NOT_FOUND', NOT_FOUND);
  const exitStatus = Number(action);
  if (exitStatus > 255)
    throw new DayshiftError('BAD_REQUEST', `exit status ${exitStatus} is out of range`, {
      hint: 'send the exit status as it is, 0 to 255: /ping/<token>/$?',
    });
  return { ...signal, kind: exitStatus === 0 ? 'success' : 'fail', exitStatus };
}

/**
 * The check of a `/ping/<ping-key>/<slug>` URL. Healthchecks makes an unknown slug's check with
 * `?create=1`; here checks are declared in the stack file, so that is a 404 that says so.
 */
function slugCheck(monitor: Monitor, key: string, slug: string, create: string | undefined): string {
  if (slug !== slug.toLowerCase())
    throw new DayshiftError('BAD_REQUEST', 'a slug is written in lowercase', {
      hint: 'use the slug as the stack file gives it',
    });
  const checkId = monitor.checkOfSlug(key, slug);
  if (checkId !== undefined) return checkId;
  if (create === '1')
    throw new DayshiftError(
      'NOT_FOUND',
      `no heartbeat check has the slug "${slug}", and ?create=1 cannot make one`,
      {
        hint: 'heartbeat checks are declared in dayshift.yaml: add one with heartbeat: { period, ping_key, slug }',
      },
    );
  throw new DayshiftError('NOT_FOUND', NOT_FOUND);
}
