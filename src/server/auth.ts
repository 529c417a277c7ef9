import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { isRole, type Role, roleAllows } from '../access/roles.js';
import type { TokenRecord, TokenService } from '../access/tokens.js';
import { DayshiftError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The weakest role that may call this route; a route that declares nothing needs viewer. */
    role?: Role;
    /** True for the few routes anyone may call without a token (health, readiness, heartbeats). */
    public?: boolean;
    /** `basic` makes a missing token answer with a Basic challenge, so a browser prompts for it. */
    challenge?: 'basic';
  }
  interface FastifyRequest {
    token?: TokenRecord;
  }
}

/**
 * Access is decided on the route the router matched, never on the request's URL: whatever spelling
 * of a path reaches a route (`/%61pi/...`, an absolute-form URL), that route's own declaration
 * applies. A route is open to anyone only when it declares `config: { public: true }`; every other
 * route needs a token of `config.role` (viewer when it says nothing): `Authorization: Bearer
 * <token>`, or HTTP Basic with the token as the password. 401 without a valid token, 403 when its
 * role is too weak. A request no route matched gets the not-found answer, which says nothing about
 * the request, with or without a token.
 */
export function installAuth(app: FastifyInstance, options: { tokens: TokenService }) {
  app.decorateRequest('token', undefined);
  // A declaration that could be misread is refused when the route is added, not guessed at.
  app.addHook('onRoute', checkDeclaration);
  app.addHook('onRequest', async (request, reply) => {
    // Only the not-found handler runs for an unmatched request, and it answers the same to anyone.
    if (request.is404) return;
    const config = request.routeOptions.config;
    if (config.public === true) return;
    const presented = presentedToken(request);
    const record = presented ? await options.tokens.verify(presented) : undefined;
    if (!record) {
      // Browsers only prompt for credentials on a Basic challenge; API clients read the Bearer one.
      reply.header(
        'www-authenticate',
        config.challenge === 'basic' ? 'Basic realm="dayshift", charset="UTF-8"' : 'Bearer realm="dayshift"',
      );
      throw new DayshiftError(
        'AUTH_REQUIRED',
        presented ? 'the token is not valid or was revoked' : 'this route needs an API token',
        {
          hint: 'send `Authorization: Bearer <token>`; create one with `dayshift token create --role viewer --name <name>`',
        },
      );
    }
    // Known before the role is checked, so a refused attempt is audited with who made it.
    request.token = record;
    const needed: Role = config.role ?? 'viewer';
    if (!roleAllows(record.role, needed)) {
      throw new DayshiftError(
        'AUTH_FORBIDDEN',
        `this route needs the ${needed} role; the token "${record.name}" is ${record.role}`,
        {
          hint: `create a token with \`dayshift token create --role ${needed} --name <name>\``,
        },
      );
    }
  });
}

/**
 * Makes every route added inside `app` (a plugin's own scope) answer a missing token with a Basic
 * challenge: for pages a browser opens, such as the API docs viewer.
 */
export function challengeWithBasic(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, challenge: 'basic' };
  });
}

function checkDeclaration(route: RouteOptions): void {
  const config = route.config ?? {};
  const where = `${String(route.method)} ${route.url}`;
  if (config.public !== undefined && typeof config.public !== 'boolean') {
    throw new DayshiftError('INTERNAL', `route ${where} declares public as ${String(config.public)}`, {
      hint: 'declare `config: { public: true }` or leave it out',
    });
  }
  if (config.role !== undefined && !isRole(config.role)) {
    throw new DayshiftError('INTERNAL', `route ${where} declares the unknown role "${String(config.role)}"`, {
      hint: 'use viewer, operator or admin',
    });
  }
  if (config.public === true && config.role !== undefined) {
    throw new DayshiftError('INTERNAL', `route ${where} declares both public and a role`, {
      hint: 'a public route needs no token, so it has no role',
    });
  }
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}
