import { parseDuration } from '../../schema/duration.js';
import type { ComposeService, PublishedPort } from './compose-file.js';

/** One check `dayshift init` writes: its name, where it came from (a comment), and its YAML value. */
export interface StarterCheck {
  name: string;
  from: string;
  spec: Record<string, unknown>;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '0.0.0.0', '[::1]', '::1']);

/**
 * The checks for one Compose service. Its healthcheck runs inside the container, so what it probes is
 * aimed from the host through the port the service publishes: a URL becomes an http check,
 * `pg_isready` a postgres check, `redis-cli ping` a redis check, `mysqladmin ping` a mysql check.
 * One that the host cannot reach, or that Dayshift does not recognise, runs as it is inside the
 * container (`docker compose exec`). Without a healthcheck, each published TCP port is a tcp check.
 */
export function checksFor(service: ComposeService, composeFile: string): StarterCheck[] {
  if (service.test) {
    const words = 'exec' in service.test ? service.test.exec : shellWords(service.test.shell);
    const line = 'exec' in service.test ? service.test.exec.join(' ') : service.test.shell;
    const probe =
      httpProbe(service, line) ??
      postgresProbe(service, words) ??
      redisProbe(service, words) ??
      mysqlProbe(service, words) ??
      execProbe(service, composeFile);
    return [{ name: 'health', from: `the healthcheck: ${line}`, spec: { ...probe, ...timingOf(service) } }];
  }
  return service.ports.map((p) => ({
    name: service.ports.length === 1 ? 'port' : `port-${p.hostPort}`,
    from: `the published port ${p.hostPort}:${p.containerPort}`,
    spec: { tcp: { host: hostOf(p), port: p.hostPort } },
  }));
}

/** Where the host reaches a published port: the address it is bound to, or loopback. */
function hostOf(p: PublishedPort): string {
  return p.hostIp && !['0.0.0.0', '::', ''].includes(p.hostIp) ? p.hostIp : '127.0.0.1';
}

/** The host's way to a container port: itself on host networking, else the port published for it. */
function reach(service: ComposeService, containerPort: number): { host: string; port: number } | undefined {
  if (service.hostNetwork) return { host: '127.0.0.1', port: containerPort };
  const published = service.ports.find((p) => p.containerPort === containerPort);
  return published && { host: hostOf(published), port: published.hostPort };
}

function httpProbe(service: ComposeService, line: string): Record<string, unknown> | undefined {
  const found = /https?:\/\/[^\s'"]+/.exec(line)?.[0];
  if (!found) return undefined;
  let url: URL;
  try {
    url = new URL(found);
  } catch {
    return undefined;
  }
  if (!LOOPBACK.has(url.hostname)) return { http: { url: found } };
  const to = reach(service, Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
  if (!to) return undefined;
  return { http: { url: `${url.protocol}//${to.host}:${to.port}${url.pathname}${url.search}` } };
}

function postgresProbe(service: ComposeService, words: string[]): Record<string, unknown> | undefined {
  if (!words.includes('pg_isready')) return undefined;
  const to = reach(service, Number(optionOf(words, ['-p', '--port']) ?? 5432));
  if (!to) return undefined;
  const env = service.environment;
  const user = optionOf(words, ['-U', '--username']) ?? env.POSTGRES_USER ?? 'postgres';
  const db = optionOf(words, ['-d', '--dbname']) ?? env.POSTGRES_DB ?? user;
  const password = passwordOf(service, 'POSTGRES_PASSWORD');
  return { postgres: { url: `postgres://${user}${password}@${to.host}:${to.port}/${db}` } };
}

function redisProbe(service: ComposeService, words: string[]): Record<string, unknown> | undefined {
  if (!words.includes('redis-cli')) return undefined;
  const to = reach(service, Number(optionOf(words, ['-p']) ?? 6379));
  return to && { redis: { url: `redis://${to.host}:${to.port}` } };
}

function mysqlProbe(service: ComposeService, words: string[]): Record<string, unknown> | undefined {
  if (!words.some((w) => w === 'mysqladmin' || w === 'mariadb-admin')) return undefined;
  const to = reach(service, Number(optionOf(words, ['-P', '--port']) ?? 3306));
  if (!to) return undefined;
  const user = optionOf(words, ['-u', '--user']) ?? service.environment.MYSQL_USER ?? 'root';
  const password = passwordOf(service, user === 'root' ? 'MYSQL_ROOT_PASSWORD' : 'MYSQL_PASSWORD');
  return { mysql: { url: `mysql://${user}${password}@${to.host}:${to.port}` } };
}

/**
 * The password part of a URL, never the password itself: the Compose file's own reference
 * (`${DB_PASSWORD:-x}`, read from the environment or the .env file beside the stack file, as Compose
 * reads it), or a variable of the same name when the Compose file writes the value out.
 */
function passwordOf(service: ComposeService, variable: string): string {
  const written = service.writtenEnvironment[variable];
  if (written === undefined) return '';
  return `:${/^\$\{\w+(:?-[^}]*)?\}$/.test(written) ? written : `\${${variable}}`}`;
}

/**
 * The healthcheck itself, inside the container, as Docker runs it. The Compose file is named (relative
 * to the stack file, where a command check runs), so the command finds the project wherever it is.
 */
function execProbe(service: ComposeService, composeFile: string): Record<string, unknown> {
  const test = service.test;
  const inside = test && 'exec' in test ? test.exec : ['sh', '-c', test?.shell ?? 'true'];
  return {
    command: { run: ['docker', 'compose', '-f', composeFile, 'exec', '-T', service.name, ...inside] },
  };
}

/**
 * The healthcheck's timing, which Dayshift's checks share with Docker: every, timeout, retries,
 * start_period. A value Dayshift cannot read is left to its default, and so is a timeout longer than
 * the interval (Docker allows it; Dayshift runs never overlap).
 */
function timingOf(service: ComposeService): Record<string, unknown> {
  const every = duration(service.interval);
  const timeout = duration(service.timeout);
  const startPeriod = duration(service.startPeriod);
  const everyMs = every ? (parseDuration(every) ?? 30_000) : 30_000;
  return {
    ...(every && everyMs >= 100 ? { every } : {}),
    ...(timeout && (parseDuration(timeout) ?? Number.POSITIVE_INFINITY) <= everyMs ? { timeout } : {}),
    ...(service.retries !== undefined && service.retries >= 1 ? { retries: service.retries } : {}),
    ...(startPeriod ? { start_period: startPeriod } : {}),
  };
}

/** A Compose duration Dayshift reads the same way (`10s`, `1m30s`), or undefined. */
function duration(text: string | undefined): string | undefined {
  return text !== undefined && parseDuration(text) !== undefined ? text : undefined;
}

/** The value after `-U` or in `--username=x`; not one the shell would still expand (`$$USER`). */
function optionOf(words: string[], names: string[]): string | undefined {
  const value = rawOptionOf(words, names);
  return value?.includes('$') ? undefined : value;
}

function rawOptionOf(words: string[], names: string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (names.includes(word)) return words[i + 1];
    for (const name of names) {
      if (name.startsWith('--') && word.startsWith(`${name}=`)) return word.slice(name.length + 1);
      if (!name.startsWith('--') && word.startsWith(name) && word.length > name.length)
        return word.slice(name.length);
    }
  }
  return undefined;
}

/** A shell line's words, near enough to find a program and its options (quotes removed). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}
