import path from 'node:path';
import Database from 'better-sqlite3';
import { TokenService } from '../../src/access/tokens.js';
import { openBackups } from '../../src/backup/open.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { stackFrom } from '../helpers/stack.js';

export interface FullNode {
  node: RunningNode;
  base: string;
  configPath: string;
  dir: string;
  tokens: TokenService;
  token: { viewer: string; operator: string; admin: string };
  /** A snapshot of the `app` backup, taken before the node served. */
  snapshot: string;
  /** The heartbeat URL token of `web.cron`. */
  heartbeat: string;
  call(
    method: string,
    url: string,
    options?: { token?: string; body?: unknown },
  ): Promise<{ status: number; text: string; body: any }>;
}

/**
 * A serving node on a real SQLite store with every feature configured, so every route exists: a
 * heartbeat check (monitor and heartbeat URLs), alerts with a notifier and a file maintenance window,
 * a sqlite backup with one snapshot, a smoke suite. Nothing in it reaches beyond loopback.
 */
export async function startFullNode(options: { concurrency?: number } = {}): Promise<FullNode> {
  const stack = stackFrom(
    `version: 1
stack: full-node
services:
  web:
    checks:
      cron: { heartbeat: { period: 1h, grace: 1h } }
  worker: {}
notifiers:
  hook: { webhook: { url: "http://127.0.0.1:9/hook" } }
maintenance:
  - { name: nightly, schedule: "0 3 * * *", duration: 30m, services: [web] }
repositories:
  here: { local: { path: vault, passphrase: "\${PASSPHRASE}" } }
backups:
  app:
    source: { sqlite: { path: app.db } }
    repository: here
smoke:
  basic:
    - { tcp: { host: 127.0.0.1, port: 9 } }
`,
    { PASSPHRASE: 'full-node-passphrase-4d1e' },
  );
  const db = new Database(path.join(stack.dir, 'app.db'));
  db.exec("create table notes (id integer primary key, body text); insert into notes (body) values ('a');");
  db.close();
  const node = await startNode({
    store: { sqlitePath: path.join(stack.dir, '.dayshift', 'state.db') },
    listen: '127.0.0.1:0',
    logger: silentLogger(),
    concurrency: options.concurrency,
    stack: { config: stack.config, configPath: stack.configPath },
  });
  const backups = openBackups(stack.config, stack.configPath, node.store.db);
  const { snapshot } = await backups.run('app', { trigger: 'test' });
  const tokens = new TokenService(node.store);
  const token = {
    viewer: (await tokens.create({ name: 'viewer', role: 'viewer' })).token,
    operator: (await tokens.create({ name: 'operator', role: 'operator' })).token,
    admin: (await tokens.create({ name: 'admin', role: 'admin' })).token,
  };
  const heartbeat = (await node.monitor?.heartbeats.tokenOf('web.cron')) ?? '';
  const base = node.address;
  return {
    node,
    base,
    configPath: stack.configPath,
    dir: stack.dir,
    tokens,
    token,
    snapshot: snapshot.id,
    heartbeat,
    async call(method, url, { token: bearer = token.admin, body } = {}) {
      const response = await fetch(`${base}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, text, body: parsed };
    },
  };
}
