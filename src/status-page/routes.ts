import type { FastifyContextConfig, FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import { DayshiftError } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../util/clock.js';
import { isoTime } from './markup.js';
import { readStatusPage, type StatusPage, type StatusPageConfig } from './page-data.js';
import { renderAtom } from './render-atom.js';
import { renderBadge } from './render-badge.js';
import { PAGE_CSP, renderHtml } from './render-html.js';
import type { ClosedDays } from './uptime-days.js';

/** The stack file the routes read; replaced on a reload. */
export interface PageSource {
  config: StackConfig;
}

export interface StatusRouteOptions {
  db: Kysely<Database>;
  clock: Clock;
  source: PageSource;
  /**
   * Whether the routes were registered without a token: `status_page.public` when the node started.
   * Access is the route's own declaration (src/server/auth.ts), fixed once registered, so a reload that
   * changes `public` takes effect at the next restart; until then a page made private answers 404
   * rather than stay open.
   */
  open: boolean;
  /** The day rollups read last: final, so read once a day rather than on each request. */
  closed: ClosedDays;
}

/** Browsers and readers may reuse an answer this long: a burst of visitors costs one read a quarter-minute. */
const MAX_AGE_S = 15;

/**
 * The status page at the root: `/status` (HTML), `/status.json`, `/status/feed.atom` and
 * `/status/badge/<component>.svg`. Public when the stack file said so at start, else a viewer token.
 */
export async function statusRoutes(app: FastifyInstance, options: StatusRouteOptions): Promise<void> {
  const { db, clock, source, open, closed } = options;
  // A browser or a feed reader prompts for a Basic password (the token) on a private page.
  const config: FastifyContextConfig = open ? { public: true } : { challenge: 'basic' };

  const read = async (reply: FastifyReply): Promise<StatusPage> => {
    const page = pageConfig(source.config, open);
    reply.header('cache-control', `${open ? 'public' : 'private'}, max-age=${MAX_AGE_S}`);
    reply.header('x-content-type-options', 'nosniff');
    return readStatusPage(db, source.config, page, clock.now(), closed);
  };

  app.get('/status', { config, schema: { hide: true } }, async (_request, reply) => {
    const page = await read(reply);
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', PAGE_CSP)
      .send(renderHtml(page));
  });

  app.get('/status.json', { config, schema: { hide: true } }, async (_request, reply) => {
    return reply.type('application/json; charset=utf-8').send(statusJson(await read(reply)));
  });

  app.get('/status/feed.atom', { config, schema: { hide: true } }, async (_request, reply) => {
    const page = await read(reply);
    return reply
      .type('application/atom+xml; charset=utf-8')
      .send(renderAtom(page, source.config.stack ?? 'dayshift'));
  });

  app.get<{ Params: { component: string } }>(
    '/status/badge/:component.svg',
    { config, schema: { hide: true } },
    async (request, reply) => {
      const name = request.params.component;
      const listed = pageConfig(source.config, open).components.includes(name);
      if (!listed)
        throw new DayshiftError('NOT_FOUND', 'the status page has no component of this name', {
          hint: 'badges exist for the services listed in status_page.components',
        });
      const page = await read(reply);
      const component = page.components.find((c) => c.name === name);
      if (!component) throw new DayshiftError('NOT_FOUND', 'the status page has no component of this name');
      return reply
        .type('image/svg+xml; charset=utf-8')
        .header('content-security-policy', "default-src 'none'")
        .send(renderBadge(component));
    },
  );
}

/** The page's settings, or the 404 that says how to get a page. */
function pageConfig(config: StackConfig, open: boolean): StatusPageConfig {
  const page = config.status_page;
  if (!page)
    throw new DayshiftError('NOT_FOUND', 'this stack file has no status page', {
      hint: 'add status_page: { title: "...", components: [<service>, ...] } to the stack file (public: true to serve it without a token), then restart dayshift serve',
    });
  if (open && !page.public)
    throw new DayshiftError(
      'NOT_FOUND',
      'the status page was made private; it is served again after a restart',
      {
        hint: 'restart dayshift serve: it then asks for a viewer token',
      },
    );
  return page;
}

/** The body of `/status.json`. */
export type StatusJson = ReturnType<typeof statusJson>;

/** `/status.json`: the page's data with times as ISO 8601 (docs/status-page.md describes it). */
export function statusJson(page: StatusPage) {
  const time = (ms: number | null) => (ms === null ? null : isoTime(ms));
  const incident = (i: StatusPage['incidents'][number]) => ({
    id: i.id,
    title: i.title,
    status: i.status,
    components: i.components,
    openedAt: time(i.openedAt),
    resolvedAt: time(i.resolvedAt),
    updates: i.updates.map((u) => ({ at: time(u.at), status: u.status, text: u.text })),
  });
  return {
    title: page.title,
    description: page.description,
    generatedAt: time(page.generatedAt),
    state: page.state,
    label: page.label,
    components: page.components.map((c) => ({
      name: c.name,
      state: c.state,
      label: c.label,
      updatedAt: time(c.updatedAt),
      staleAfterMs: c.staleAfterMs,
      uptime: {
        days: page.uptimeDays,
        percent: c.uptime.uptime,
        bar: c.uptime.days.map((d) => ({
          date: d.date,
          percent: d.uptime,
          level: d.level,
          samples: d.count,
          failures: d.failures,
        })),
      },
    })),
    incidents: page.incidents.map(incident),
    pastIncidents: page.pastIncidents.map(incident),
    maintenance: page.maintenance.map((w) => ({
      name: w.name,
      description: w.description,
      startsAt: time(w.startsAt),
      endsAt: time(w.endsAt),
      active: w.active,
      components: w.components,
    })),
  };
}
