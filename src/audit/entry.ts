import os from 'node:os';
import { DayshiftError, ERROR_TABLE } from '../errors.js';
import { redactUrl, scrubSecrets } from '../schema/secret.js';

/**
 * Glossary: an *entry* is one action someone took; its *actor* is who (`token:<name>` for the API,
 * `cli:<os user>@<host>` for the dayshift program); its *action* is what, dotted (`silence.create`);
 * its *target* is what it acted on (a token's name, an alert's id, a backup's name); its *result* is
 * `ok`, `failed: <message>` or `refused: <code>`.
 */
export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target?: string;
  /** Scrubbed before they are stored: secret values and any param named like a secret are masked. */
  params?: Record<string, unknown>;
  result: string;
  runId?: number;
}

/** What a caller knows before the action runs; the time and result are added when it ends. */
export type AuditAction = Omit<AuditEntry, 'at' | 'result'>;

const MASK = '[redacted]';

/** Param names whose values are secrets whatever they hold: never trusted to have been wrapped. */
const SECRET_NAME = /pass|secret|token|api[-_]?key|private|credential|auth/i;

export function tokenActor(name: string): string {
  return `token:${name}`;
}

/** The operating-system user and host a CLI action ran as. */
export function cliActor(): string {
  return `cli:${cliUser()}@${os.hostname()}`;
}

/**
 * The operating-system user running the dayshift program, from its uid (never `$USER`, which anyone
 * can set: an approve step's `approvers:` and the audit log must not take a name on trust).
 */
export function cliUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): the uid still says who.
    return `uid${process.getuid?.() ?? '?'}`;
  }
}

/** Params as stored: secret-named keys masked at any depth, then every known secret value scrubbed. */
export function scrubParams(params: Record<string, unknown> | undefined): string {
  const masked = mask(params ?? {});
  return scrubSecrets(JSON.stringify(masked));
}

function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object' && !('toJSON' in value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value))
      out[key] = SECRET_NAME.test(key) && inner !== undefined ? MASK : mask(inner);
    return out;
  }
  // A URL that carries credentials (a restore's `to`, a webhook) keeps its shape, not its password.
  if (typeof value === 'string' && URL_WITH_SECRET.test(value)) return redactUrl(value);
  return value;
}

/** A URL with `user:password@`, or a query parameter named like a secret. */
const URL_WITH_SECRET =
  /^[a-z][a-z0-9+.-]*:\/\/([^/\s]*@|[^\s]*[?&][^=&\s]*(pass|secret|token|key)[^=&\s]*=)/i;

/**
 * The result of an action that threw: a refusal when the error is the caller's (wrong input, a
 * conflict, no permission: a 4xx), a failure otherwise. Messages are scrubbed of secrets.
 */
export function resultOf(error: unknown): string {
  if (error instanceof DayshiftError && ERROR_TABLE[error.code].http < 500) return `refused: ${error.code}`;
  const message = error instanceof Error ? error.message : String(error);
  return `failed: ${scrubSecrets(message)}`;
}
