import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DayshiftError } from '../../errors.js';

/** The names Docker Compose looks for, in its order. */
export const COMPOSE_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
] as const;

/** A port the host publishes for a container port. */
export interface PublishedPort {
  hostPort: number;
  containerPort: number;
  /** The host address it is bound to, when the file names one. */
  hostIp?: string;
}

/** What `dayshift init` reads from one Compose service. */
export interface ComposeService {
  name: string;
  /** The healthcheck's test as Docker runs it: `CMD` words, or a `CMD-SHELL` line. */
  test?: { exec: string[] } | { shell: string };
  interval?: string;
  timeout?: string;
  retries?: number;
  startPeriod?: string;
  ports: PublishedPort[];
  /** `network_mode: host`: the container's ports are the host's. */
  hostNetwork: boolean;
  environment: Record<string, string>;
  /** The same, as written: `${DB_PASSWORD}` stays a reference, so no secret is copied. */
  writtenEnvironment: Record<string, string>;
}

/** The Compose file beside the stack file, by Compose's own order of names; undefined when there is none. */
export function findComposeFile(dir: string): string | undefined {
  return COMPOSE_FILE_NAMES.map((name) => path.join(dir, name)).find((file) => existsSync(file));
}

/** The services of a Compose file, in its order. */
export function readComposeFile(file: string, env: NodeJS.ProcessEnv = process.env): ComposeService[] {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DayshiftError('CONFIG_INVALID', `${file} is not a YAML file Dayshift can read`, {
      hint: 'fix it (`docker compose config` shows what is wrong), or pass --compose <file>',
      cause: error,
    });
  }
  const services = record(record(doc).services);
  return Object.entries(services).map(([name, raw]) => serviceOf(name, record(raw), env));
}

function serviceOf(name: string, raw: Record<string, unknown>, env: NodeJS.ProcessEnv): ComposeService {
  const health = record(raw.healthcheck);
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  return {
    name,
    test: health.disable === true ? undefined : testOf(health.test),
    interval: text(health.interval),
    timeout: text(health.timeout),
    retries: typeof health.retries === 'number' ? health.retries : undefined,
    startPeriod: text(health.start_period),
    ports: (Array.isArray(raw.ports) ? raw.ports : []).flatMap((p) => portOf(p, env) ?? []),
    hostNetwork: raw.network_mode === 'host',
    environment: environmentOf(raw.environment, env),
    writtenEnvironment: environmentOf(raw.environment, {}, false),
  };
}

/** `["CMD", ...]`, `["CMD-SHELL", "..."]`, a plain string (a shell line), or `["NONE"]` (no check). */
function testOf(test: unknown): ComposeService['test'] {
  if (typeof test === 'string') return test.trim() ? { shell: test } : undefined;
  if (!Array.isArray(test) || test.length === 0) return undefined;
  const [form, ...rest] = test.map(String);
  if (form === 'CMD') return rest.length ? { exec: rest } : undefined;
  if (form === 'CMD-SHELL') return rest.length ? { shell: rest.join(' ') } : undefined;
  return undefined;
}

/**
 * `"8080:80"`, `"127.0.0.1:8080:80/tcp"`, `"[::1]:8080:80"` or `{ target, published, host_ip }`. A
 * port without a fixed host port, a range, or a UDP port gives nothing: no check can aim at it.
 */
function portOf(raw: unknown, env: NodeJS.ProcessEnv): PublishedPort | undefined {
  if (raw && typeof raw === 'object') {
    const long = raw as { target?: unknown; published?: unknown; host_ip?: unknown; protocol?: unknown };
    if (long.protocol !== undefined && long.protocol !== 'tcp') return undefined;
    const hostPort = Number(interpolate(String(long.published ?? ''), env));
    const containerPort = Number(long.target);
    if (!Number.isInteger(hostPort) || hostPort <= 0 || !Number.isInteger(containerPort)) return undefined;
    return { hostPort, containerPort, hostIp: typeof long.host_ip === 'string' ? long.host_ip : undefined };
  }
  const text = interpolate(String(raw), env);
  const match = /^(?:(\[[^\]]+\]|[\d.]+):)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(text.trim());
  if (!match || match[4] === 'udp') return undefined;
  return {
    hostPort: Number(match[2]),
    containerPort: Number(match[3]),
    hostIp: match[1]?.replace(/^\[|\]$/g, ''),
  };
}

/** `KEY=value` items or a mapping; the values as Compose substitutes them, or as written. */
function environmentOf(raw: unknown, env: NodeJS.ProcessEnv, substitute = true): Record<string, string> {
  const out: Record<string, string> = {};
  const value = (text: string) => (substitute ? interpolate(text, env) : text);
  if (Array.isArray(raw))
    for (const item of raw) {
      const [key, ...rest] = String(item).split('=');
      if (key) out[key] = value(rest.join('='));
    }
  else for (const [key, v] of Object.entries(record(raw))) out[key] = value(String(v ?? ''));
  return out;
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}` in a port or a value, from `env`. */
export function interpolate(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(
    /\$\{(\w+)(?:(:?-)([^}]*))?\}/g,
    (_all, name: string, op?: string, fallback?: string) => {
      const value = env[name];
      if (op === ':-') return value ? value : (fallback ?? '');
      if (op === '-') return value ?? fallback ?? '';
      return value ?? '';
    },
  );
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
