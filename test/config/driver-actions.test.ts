import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { type Case, check, http, itReportsEach } from './broken-case.js';

/** A web service with a driver (line 5), and a runbook `fix` whose step is line 11, at column 9. */
const driven = (driver: string, step: string) =>
  `${check(http).replace('  web:\n', `  web:\n    driver: ${driver}\n`)}runbooks:\n  fix:\n    steps:\n      - ${step}\n`;

/** Each step asks the service's driver for an action it cannot do: the error is at the service's name. */
const cases: Case[] = [
  {
    name: 'restart of a service without a driver',
    yaml: driven('none', 'restart: web'),
    at: '11:18 runbooks.fix.steps[0].restart',
    message: 'service `web` has no driver, so Dayshift cannot act on it (`restart`)',
    hint: 'give it one with `driver:`',
  },
  {
    name: 'scale through a shell driver without a scale command',
    yaml: driven('{ shell: { start: ./run } }', 'scale: { service: web, replicas: 2 }'),
    at: '11:27 runbooks.fix.steps[0].scale.service',
    message: 'service `web` (shell driver) has no command for `scale`',
    hint: 'add a `scale:` command',
  },
  {
    name: 'logs through a shell driver with neither a logs command nor a log file',
    yaml: driven('{ shell: { start: ./run } }', 'logs: { service: web, since: 15m }'),
    at: '11:26 runbooks.fix.steps[0].logs.service',
    message: 'has no command for `logs`',
    hint: 'it can now: start',
  },
  {
    name: 'scale through the systemd driver, which has no scale',
    yaml: driven('systemd', 'scale: { service: web, replicas: 2 }'),
    at: '11:27 runbooks.fix.steps[0].scale.service',
    message: 'uses the systemd driver, which has no `scale`',
    hint: 'the systemd driver does: status, restart, stop, start, logs, env',
  },
];

itReportsEach(cases);

const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-driver-actions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('loads a runbook whose steps the drivers support, restart standing on stop and start', () => {
  const file = path.join(dir, 'ok.yaml');
  writeFileSync(
    file,
    driven(
      '{ shell: { start: ./run, pidfile: run.pid, log_file: run.log } }',
      'restart: web\n      - stop: web\n      - logs: web',
    ),
  );
  const result = loadConfig(file, { env: {} });
  expect(result.ok ? [] : result.errors).toEqual([]);
});
