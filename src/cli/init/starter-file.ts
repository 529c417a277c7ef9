import path from 'node:path';
import { NAME_PATTERN } from '../../schema/values.js';
import { checksFor, type StarterCheck } from './checks-from-compose.js';
import type { ComposeService } from './compose-file.js';

/** A stack file's name from a directory's or a Compose service's: letters, digits, - and _. */
export function nameFrom(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[^A-Za-z]+/, '');
  return NAME_PATTERN.test(cleaned) ? cleaned : `s-${cleaned || 'app'}`;
}

/**
 * The text of a starter stack file for the services of a Compose file: the compose driver for all of
 * them (`runtime:`), and for each a check from its healthcheck or published ports, with a comment
 * saying where it came from. Written by hand rather than by a YAML library, so the comments sit where
 * a person reads them.
 */
export function stackFromCompose(
  stack: string,
  composeFile: string,
  services: ComposeService[],
): { text: string; checks: number } {
  let written = 0;
  const lines = [
    `# Written by \`dayshift init\` from ${composeFile}: one service per Compose service, with a check`,
    '# from its healthcheck or its published ports. Read it, then `dayshift validate` and `dayshift check`.',
    '# The format: docs/config.md. Editors complete it with `dayshift schema > dayshift.schema.json`.',
    'version: 1',
    `stack: ${stack}`,
    '',
    '# Restart, stop, logs and scale act on the Compose service of the same name.',
    `runtime: { compose: { project_dir: ${flow(path.dirname(composeFile))}, files: [${flow(path.basename(composeFile))}] } }`,
    '',
    'services:',
  ];
  if (services.length === 0) lines.push('  {}');
  const taken = new Set<string>();
  for (const service of services) {
    // Two Compose names may clean up to one (`a.b`, `a-b`); the second gets a number.
    let name = nameFrom(service.name);
    for (let n = 2; taken.has(name); n++) name = `${nameFrom(service.name)}-${n}`;
    taken.add(name);
    lines.push(`  ${name}:`);
    if (name !== service.name) lines.push(`    driver: { compose: { service: ${quote(service.name)} } }`);
    const checks = checksFor(service, composeFile);
    written += checks.length;
    if (checks.length === 0) {
      lines.push('    # no healthcheck and no published port: add a check (docs/config.md#checks)');
      lines.push('    checks: {}');
      continue;
    }
    lines.push('    checks:');
    for (const check of checks) lines.push(...checkLines(check));
  }
  return { text: `${lines.join('\n')}\n`, checks: written };
}

function checkLines(check: StarterCheck): string[] {
  const { spec } = check;
  const [kind, ...common] = Object.entries(spec);
  const out = [`      # from ${check.from.replace(/\s+/g, ' ')}`, `      ${check.name}:`];
  if (kind) out.push(`        ${kind[0]}: ${flow(kind[1])}`);
  for (const [key, value] of common) out.push(`        ${key}: ${flow(value)}`);
  return out;
}

/** A starter file without a Compose file: one commented check that works as it is. */
export function minimalStack(stack: string): string {
  return `# A starter stack file, written by \`dayshift init\`. The format: docs/config.md.
# Check it with \`dayshift validate\`, run its checks with \`dayshift check\`, and serve with \`dayshift serve\`.
version: 1
stack: ${stack}

services:
  web:
    # How Dayshift acts on this service (restart, logs): compose, docker, systemd, shell or none.
    # driver: { systemd: { unit: web.service } }
    checks:
      health:
        # Replace with your application's health URL.
        http: { url: "http://127.0.0.1:8080/health" }
        expect: [ "status == 200", "latency < 1s" ]
        every: 30s
        retries: 3

# Alerts go to notifiers (webhook, slack, email, pagerduty, ntfy, ...):
# notifiers:
#   ops: { slack: { webhook_url: "\${SLACK_WEBHOOK_URL}" } }

# Backups of a database or directories, with retention and restore drills:
# backups:
#   db:
#     source: { postgres: { url: "\${DATABASE_URL}" } }
#     repository: local
#     schedule: "0 3 * * *"
# repositories:
#   local: { local: { path: ./.dayshift/backups } }
`;
}

/** A value in YAML flow style; strings double-quoted (JSON's quoting is YAML's too). */
function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (value && typeof value === 'object')
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${flow(v)}`)
      .join(', ')} }`;
  return typeof value === 'string' ? plainOrQuoted(value) : String(value);
}

/** `10s` and `127.0.0.1` as they are; what YAML would read as another type, or could misread, quoted. */
function plainOrQuoted(text: string): string {
  const plain =
    (/^[A-Za-z0-9][\w.-]*$/.test(text) || text === '.') &&
    Number.isNaN(Number(text)) &&
    !/^(true|false|yes|no|on|off|null|y|n)$/i.test(text);
  return plain ? text : quote(text);
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/** The stack's name: the directory the file is written in. */
export function stackNameFor(file: string): string {
  return nameFrom(path.basename(path.dirname(path.resolve(file))));
}
