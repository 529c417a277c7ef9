import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { DayshiftError } from '../../../errors.js';
import { isSecret, redactUrl } from '../../../schema/secret.js';
import type { BackupSourceDefinition, ConfinedTo, RestoreToSpec } from '../types.js';

/**
 * The one rule for where a restore may write, for the CLI, the API and runbook steps alike:
 * - a path only under the stack file's directory or a `restore.allowed_paths` root, decided on the
 *   path with `..` and symlinks resolved (a symlink inside a root that points out is refused);
 * - a database only on a server the stack file names (a source, drill target or check URL), with that
 *   configuration's credentials: a `to` never carries a password.
 * Each source says what its `to` means (`restoreTo`); nothing here knows a source by name.
 */
export interface RestorePolicy {
  /** The stack file's directory: a relative `to` is relative to it. */
  readonly baseDir: string;
  /** Where paths may be: the stack file's directory, then each `restore.allowed_paths` entry, absolute. */
  readonly roots: readonly string[];
  /** Every URL the stack file's backups and services name, in file order. */
  readonly urls: readonly string[];
  /** Each backup's source, for sources whose bare names name things (`nameOf`). */
  readonly sources: ReadonlyArray<{ kind: string; options: unknown }>;
}

/** What of the stack file the policy reads; the loaded config and the validated sections both fit. */
export interface RestorePolicyInput {
  restore?: { allowed_paths?: readonly string[] };
  backups: Readonly<Record<string, { source: { kind: string; options: unknown } }>>;
  services?: unknown;
}

/**
 * `localhost`, `127.0.0.1` and `::1` are one host: they reach the same machine. Any other host is
 * compared as written (case aside), without DNS: name a server as the stack file does.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const HOW_TO_ALLOW =
  'add the directory to restore.allowed_paths in the stack file (relative to its directory), or restore under the stack file directory';

export function restorePolicy(config: RestorePolicyInput, baseDir: string): RestorePolicy {
  const allowed = config.restore?.allowed_paths ?? [];
  return {
    baseDir,
    roots: [baseDir, ...allowed.map((p) => path.resolve(baseDir, p))],
    urls: [...urlsIn(config.backups), ...urlsIn(config.services)],
    sources: Object.values(config.backups).map((b) => b.source),
  };
}

/**
 * Decides a restore's `to` for a source: refused (RESTORE_TARGET_REFUSED, or BAD_REQUEST for a `to`
 * that carries credentials or is not the kind of target the source takes), or resolved.
 */
export function confineRestoreTo<O>(
  policy: RestorePolicy,
  source: BackupSourceDefinition,
  options: O,
  to: string,
): ConfinedTo {
  if ([...to].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    throw new DayshiftError('BAD_REQUEST', 'the restore target holds control characters', {
      hint: 'name a path or a database',
    });
  const spec = source.restoreTo as RestoreToSpec<O>;
  if (URL_LIKE.test(to)) {
    const url = parseUrl(to);
    if (spec.kind === 'database') return confineDatabaseUrl(policy, spec, options, url);
    throw new DayshiftError('BAD_REQUEST', `a ${source.kind} backup restores into a path, not a URL`, {
      hint: 'name a directory or file, relative to the stack file directory',
    });
  }
  if (spec.kind === 'database') {
    if (to.length > 128 || to.includes('/'))
      throw new DayshiftError('BAD_REQUEST', 'a database name has at most 128 characters and no /', {
        hint: 'name a database on the source server, or write a URL on a server the stack file names',
      });
    return { kind: 'database', serverUrl: spec.urlOf(options), database: to };
  }
  if (spec.nameOf && !/[/.]/.test(to)) return confineName(policy, source, spec.nameOf, to);
  return confinePath(policy, to);
}

/** Shows a `to` with any password or key in it hidden, for what is stored or echoed. */
export function maskedTo(to: string): string {
  return URL_LIKE.test(to) ? redactUrl(to) : to;
}

function confinePath(policy: RestorePolicy, to: string): ConfinedTo {
  const wanted = path.resolve(policy.baseDir, to);
  const real = resolvedPath(wanted);
  const roots = policy.roots.map(resolvedPath);
  if (!roots.some((root) => isWithin(real, root)))
    throw new DayshiftError(
      'RESTORE_TARGET_REFUSED',
      real === wanted
        ? `restore target ${wanted} is outside the stack file directory and restore.allowed_paths`
        : `restore target ${wanted} resolves to ${real}, outside the stack file directory and restore.allowed_paths`,
      { hint: `${HOW_TO_ALLOW}; allowed now: ${roots.join(', ')}` },
    );
  return {
    kind: 'path',
    path: real,
    recheck() {
      const now = resolvedPath(real);
      if (now !== real)
        throw new DayshiftError(
          'RESTORE_TARGET_REFUSED',
          `restore target ${real} now resolves to ${now}: a symlink appeared in it after it was checked`,
          { hint: 'remove the symlink and restore again' },
        );
    },
  };
}

function confineName<O>(
  policy: RestorePolicy,
  source: BackupSourceDefinition,
  nameOf: (options: O) => string,
  to: string,
): ConfinedTo {
  const named = policy.sources.filter((s) => s.kind === source.kind).map((s) => nameOf(s.options as O));
  if (named.includes(to)) return { kind: 'name', name: to };
  throw new DayshiftError(
    'RESTORE_TARGET_REFUSED',
    `restore target ${to} is not a ${source.kind} that a backup in the stack file names`,
    { hint: `restore into one of ${named.join(', ')}, or into a path: ${HOW_TO_ALLOW}` },
  );
}

function confineDatabaseUrl<O>(
  policy: RestorePolicy,
  spec: Extract<RestoreToSpec<O>, { kind: 'database' }>,
  options: O,
  url: URL,
): ConfinedTo {
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (!spec.schemes.includes(scheme))
    throw new DayshiftError(
      'BAD_REQUEST',
      `expected a ${spec.schemes[0]}:// URL, a database name or a path`,
      {
        hint: 'name a database on the source server, or a URL on a server the stack file names',
      },
    );
  // Never echoed: the URL may carry what must not be shown.
  if (url.password)
    throw new DayshiftError(
      'BAD_REQUEST',
      'the restore target carries a password; it is never sent in `to`',
      {
        hint: 'name the server in the stack file (a source, drill target or check URL with its credentials) and send the URL without user:password@, or only the database name',
      },
    );
  if (url.search || url.hash)
    throw new DayshiftError(
      'BAD_REQUEST',
      'the restore target URL has parameters; they come from the stack file',
      {
        hint: 'send the URL as scheme://host:port/database',
      },
    );
  const database = safeDecode(url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/'))
    throw new DayshiftError('BAD_REQUEST', 'the restore target URL names no database', {
      hint: 'send it as scheme://host:port/database',
    });
  const key = serverKey(url, spec.defaultPort);
  const user = safeDecode(url.username);
  const onServer = [spec.urlOf(options), ...policy.urls].flatMap((raw) => {
    const candidate = parseOptionalUrl(raw);
    if (!candidate || !spec.schemes.includes(candidate.protocol.slice(0, -1).toLowerCase())) return [];
    return [{ raw, key: serverKey(candidate, spec.defaultPort), user: safeDecode(candidate.username) }];
  });
  const match = onServer.find((c) => c.key === key && (!user || c.user === user));
  if (match) return { kind: 'database', serverUrl: match.raw, database };
  const servers = [...new Set(onServer.map((c) => c.key))];
  throw new DayshiftError(
    'RESTORE_TARGET_REFUSED',
    onServer.some((c) => c.key === key)
      ? `the stack file names no connection to ${key} as ${user}`
      : `restore target server ${key} is not a server the stack file names`,
    {
      hint: `restore into a database on a server a source, drill target or check in the stack file names (${servers.join(', ')}; localhost, 127.0.0.1 and ::1 are one host), or name the server there first`,
    },
  );
}

/** `host:port` as servers are compared: lower case, loopback spellings as one, the default port filled in. */
export function serverKey(url: URL, defaultPort: number): string {
  let host = safeDecode(url.hostname)
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (host === '' || LOOPBACK.has(host)) host = 'localhost';
  return `${host.includes(':') ? `[${host}]` : host}:${url.port || defaultPort}`;
}

/**
 * The path with symlinks and `..` resolved: the real path of its deepest existing ancestor, then the
 * components that do not exist yet. A dangling symlink or a loop on the way is refused.
 */
function resolvedPath(wanted: string): string {
  const rest: string[] = [];
  let head = wanted;
  for (;;) {
    try {
      return path.join(realpathSync.native(head), ...rest);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR')
        throw new DayshiftError(
          'RESTORE_TARGET_REFUSED',
          `restore target ${wanted} cannot be resolved (${code})`,
          {
            hint: 'a symlink loop or an unreadable directory is on the way; restore elsewhere',
            cause: error,
          },
        );
      if (entryExists(head))
        throw new DayshiftError(
          'RESTORE_TARGET_REFUSED',
          `restore target ${wanted} goes through ${head}, a symlink to nothing`,
          { hint: 'remove the symlink, or restore elsewhere', cause: error },
        );
      const parent = path.dirname(head);
      if (parent === head) return wanted;
      rest.unshift(path.basename(head));
      head = parent;
    }
  }
}

/** True when something (a dangling symlink, here) is at `p`; a path through a file holds nothing. */
function entryExists(p: string): boolean {
  try {
    return lstatSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

function isWithin(child: string, root: string): boolean {
  return child === root || child.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);
}

/** Every URL-looking string (or secret) under a section of the stack file, in file order. */
function urlsIn(value: unknown): string[] {
  if (isSecret(value)) return URL_LIKE.test(value.reveal()) ? [value.reveal()] : [];
  if (typeof value === 'string') return URL_LIKE.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(urlsIn);
  return [];
}

function parseUrl(to: string): URL {
  const url = parseOptionalUrl(to);
  if (url) return url;
  throw new DayshiftError('BAD_REQUEST', 'the restore target is not a valid URL', {
    hint: 'send scheme://host:port/database, a database name or a path',
  });
}

function parseOptionalUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
