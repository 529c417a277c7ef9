import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { secretUrl } from '../secret-schema.js';

/**
 * Where Dayshift keeps its state: `{ url: postgres://... }` (several nodes share it) or
 * `{ sqlite: { path } }`, SQLite at `.dayshift/state.db` by default. The loader resolves the SQLite
 * path beside the stack file and lets $DAYSHIFT_DATABASE_URL override both.
 */
export const storeSchema = z
  .union([
    z.strictObject({ url: secretUrl(['postgres', 'postgresql']) }),
    z.strictObject({ sqlite: z.strictObject({ path: z.string().min(1) }) }),
  ])
  .default({ sqlite: { path: DEFAULTS.sqlitePath } });

export type StoreConfig = z.output<typeof storeSchema>;

/** `host:port`, `[::1]:port`, or `:port` for every interface. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) return undefined;
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
