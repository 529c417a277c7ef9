import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Role, roleAllows } from '../access/roles.js';
import type { TokenRecord, TokenService } from '../access/tokens.js';
import { DayshiftError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The weakest role that may call this route; `/api/*` routes default to viewer. */
    role?: Role;
    /** True for routes outside `/api` that must still be open to anyone (health, heartbeats). */
    public?: boolean;
  }
  interface FastifyRequest {
    token?: TokenRecord;
  }
}

/**
 * Every `/api/*` route needs a token: `Authorization: Bearer <token>`, or HTTP Basic with the token
 * as the password so a browser can open `/api/docs`. 401 without a valid token, 403 when its role is
 * too weak for the route.
 */
export function installAuth(
  app: FastifyInstance,
  options: { tokens: TokenService; protect?: (url: string) => boolean },
) {
  const protect = options.protect ?? ((url: string) => url === '/api' || url.startsWith('/api/'));
  app.decorateRequest('token', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const url = request.url.split('?')[0] ?? '';
    if (!protect(url)) return;
    const presented = presentedToken(request);
    const record = presented ? await options.tokens.verify(presented) : undefined;
    if (!record) {
      // Browsers only prompt for credentials on a Basic challenge; API clients read the Bearer one.
      reply.header(
        'www-authenticate',
        url.startsWith('/api/docs') ? 'Basic realm="dayshift", charset="UTF-8"' : 'Bearer realm="dayshift"',
      );
      throw new DayshiftError(
        'AUTH_REQUIRED',
        presented ? 'the token is not valid or was revoked' : 'this route needs an API token',
        {
          hint: 'send `Authorization: Bearer <token>`; create one with `dayshift token create --role viewer --name <name>`',
        },
      );
    }
    const needed: Role = request.routeOptions.config?.role ?? 'viewer';
    if (!roleAllows(record.role, needed)) {
      throw new DayshiftError(
        'AUTH_FORBIDDEN',
        `this route needs the ${needed} role; the token "${record.name}" is ${record.role}`,
        {
          hint: `create a token with \`dayshift token create --role ${needed} --name <name>\``,
        },
      );
    }
    request.token = record;
  });
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
