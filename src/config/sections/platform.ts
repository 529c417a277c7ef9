import { z } from 'zod';
import type { Secret } from '../../schema/secret.js';
import { secretUrl } from '../../schema/secret-schema.js';
import { DEFAULTS } from '../defaults.js';

/**
 * Where Dayshift keeps its state: `{ url: postgres://... }` (several nodes share it) or
 * `{ sqlite: { path } }`, SQLite at `.dayshift/state.db` by default. The loader resolves the SQLite
 * path beside the stack file and lets $DAYSHIFT_DATABASE_URL override both.
 */
export const storeSchema = z
  .strictObject({
    url: secretUrl(['postgres', 'postgresql']).optional(),
    sqlite: z.strictObject({ path: z.string().min(1) }).optional(),
  })
  .prefault({})
  .transform((store, ctx): { url: Secret } | { sqlite: { path: string } } => {
    if (store.url && store.sqlite)
      ctx.addIssue({ code: 'custom', message: 'expected url or sqlite, not both', params: { got: false } });
    return store.url ? { url: store.url } : { sqlite: store.sqlite ?? { path: DEFAULTS.sqlitePath } };
  });

export type StoreConfig = z.output<typeof storeSchema>;

/** `host:port`, `[::1]:port`, or `:port` for every interface. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  // Port 0 asks the system for a free port, as tests do.
  if (!m || port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export const serverSchema = z
  .strictObject({
    listen: z
      .string()
      .default(DEFAULTS.server.listen)
      .refine((text) => parseListen(text) !== undefined, 'expected host:port, such as 127.0.0.1:7070'),
    metrics: z
      .strictObject({ public: z.boolean().default(DEFAULTS.server.metricsPublic) })
      .prefault({})
      .describe('public: false requires a viewer token for /metrics'),
  })
  .prefault({});
