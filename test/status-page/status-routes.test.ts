import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/access/tokens.js';
import { incidentsFeature } from '../../src/incidents/feature.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import type { StatusJson } from '../../src/status-page/routes.js';
import { Receiver } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';
import { insertIncident } from './incident-rows.js';

const NOTE = 'internal-note-7c1e: the db password is in vault path ops/db';
const SLIPPED = 'note-written-public-by-mistake-55ab';
const ROUTES = ['/status', '/status.json', '/status/feed.atom', '/status/badge/web.svg'];

function stackYaml(target: string, statusPage: string): string {
  return `version: 1
stack: shop
services:
  web:
    checks:
      health: { http: { url: "${target}/health" }, expect: ["status == 200"], every: 200ms, timeout: 150ms, retries: 1 }
  db:
    checks:
      ready: { http: { url: "${target}/ready" }, expect: ["status == 200"], every: 200ms, timeout: 150ms, retries: 1 }
  internal:
    checks:
      cron: { http: { url: "${target}/cron" }, every: 200ms, timeout: 150ms }
${statusPage}
`;
}

async function serve(target: Receiver, statusPage: string): Promise<RunningNode> {
  const stack = stackFrom(stackYaml(target.url, statusPage));
  return startNode({
    store: { sqlitePath: `${stack.dir}/state.db` },
    listen: '127.0.0.1:0',
    logger: silentLogger(),
    stack,
  });
}

describe('a public status page', () => {
  let target: Receiver;
  let node: RunningNode;
  let json: () => Promise<StatusJson>;

  beforeAll(async () => {
    target = await Receiver.start();
    node = await serve(
      target,
      'status_page: { title: "Shop <b>&</b> friends", description: "Our \\"shop\\"", components: [web, db], public: true }',
    );
    json = async () => (await (await fetch(`${node.address}/status.json`)).json()) as StatusJson;
    const now = Date.now();
    await insertIncident(
      node.store.db,
      {
        title: 'Checkout <script>alert(1)</script> errors',
        services: ['web'],
        status: 'identified',
        openedAt: now - 60_000,
      },
      [
        {
          at: now - 60_000,
          type: 'opened',
          actor: 'cli:alice',
          public: true,
          text: 'We are looking into failed checkouts',
        },
        { at: now - 50_000, type: 'note', actor: 'cli:alice', public: false, text: NOTE },
        { at: now - 45_000, type: 'note', actor: 'cli:bob', public: true, text: SLIPPED },
        {
          at: now - 40_000,
          type: 'alert.firing',
          actor: 'alert:3',
          public: false,
          text: 'web.health unhealthy',
        },
        {
          at: now - 30_000,
          type: 'status',
          actor: 'cli:alice',
          public: true,
          text: 'A bad deploy; rolling back',
          data: { from: 'investigating', to: 'identified' },
        },
      ],
    );
    await insertIncident(
      node.store.db,
      { title: 'Only the internal service', services: ['internal'], openedAt: now - 1_000 },
      [{ at: now - 1_000, type: 'opened', actor: 'cli:alice', public: true, text: 'internal-only-incident' }],
    );
    await insertIncident(
      node.store.db,
      {
        title: 'Slow database last week',
        services: ['db'],
        status: 'resolved',
        openedAt: now - 3 * 86_400_000,
        resolvedAt: now - 2 * 86_400_000,
      },
      [
        {
          at: now - 3 * 86_400_000,
          type: 'opened',
          actor: 'cli:alice',
          public: true,
          text: 'Queries are slow',
        },
        {
          at: now - 2 * 86_400_000,
          type: 'resolved',
          actor: 'cli:alice',
          public: true,
          text: 'An index was added',
        },
      ],
    );
    await insertIncident(node.store.db, {
      title: 'Long ago',
      services: ['db'],
      status: 'resolved',
      openedAt: now - 30 * 86_400_000,
      resolvedAt: now - 20 * 86_400_000,
    });
    await until(async () => {
      const page = await json();
      return page.components.every((c) => c.state === 'operational') ? true : undefined;
    }, 'the components to be operational');
  });
  afterAll(async () => {
    await node?.stop('test over');
    await target?.close();
  });

  it('answers every route without a token, with a short cache and the right types', async () => {
    const types = ['text/html', 'application/json', 'application/atom+xml', 'image/svg+xml'];
    for (const [i, route] of ROUTES.entries()) {
      const res = await fetch(`${node.address}${route}`);
      expect(res.status, route).toBe(200);
      expect(res.headers.get('content-type'), route).toContain(types[i]);
      expect(res.headers.get('cache-control'), route).toBe('public, max-age=15');
    }
  });

  it('shows the components, the open incident with its public updates newest first, and the past one', async () => {
    const page = await json();
    expect(page.title).toBe('Shop <b>&</b> friends');
    expect(page.components.map((c) => c.name)).toEqual(['web', 'db']);
    expect(page.components[0]?.uptime.bar).toHaveLength(90);
    expect(page.incidents).toHaveLength(1);
    expect(page.incidents[0]).toMatchObject({
      title: 'Checkout <script>alert(1)</script> errors',
      status: 'identified',
      components: ['web'],
    });
    expect(page.incidents[0]?.updates.map((u) => [u.status, u.text])).toEqual([
      ['identified', 'A bad deploy; rolling back'],
      ['investigating', 'We are looking into failed checkouts'],
    ]);
    expect(page.pastIncidents.map((i) => i.title)).toEqual(['Slow database last week']);
    expect(page.pastIncidents[0]?.updates[0]).toMatchObject({
      status: 'resolved',
      text: 'An index was added',
    });
  });

  it('never shows an internal note, a non-public event, internal fields or another service', async () => {
    for (const route of ROUTES) {
      const body = await (await fetch(`${node.address}${route}`)).text();
      for (const secret of [
        NOTE,
        'internal-note-7c1e',
        SLIPPED,
        'web.health unhealthy',
        'internal impact text',
        'internal-only-incident',
        'alice',
      ])
        expect(body, `${route} shows ${secret}`).not.toContain(secret);
    }
  });

  it('escapes every text: titles and updates are user input', async () => {
    const html = await (await fetch(`${node.address}/status`)).text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('Checkout &lt;script&gt;alert(1)&lt;/script&gt; errors');
    expect(html).toContain('<title>Shop &lt;b&gt;&amp;&lt;/b&gt; friends status</title>');
    expect(html).toContain('<link rel="alternate" type="application/atom+xml"');
    const feed = await (await fetch(`${node.address}/status/feed.atom`)).text();
    expect(feed).not.toContain('<script>');
  });

  it('serves a feed with an id, an update time, a title and an entry per incident', async () => {
    const feed = await (await fetch(`${node.address}/status/feed.atom`)).text();
    expect(feed).toMatch(
      /^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/,
    );
    expect(feed).toContain('<id>urn:dayshift:shop:status</id>');
    expect(feed).toMatch(/<updated>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<\/updated>/);
    expect(feed.match(/<entry>/g)).toHaveLength(2);
    expect(feed).toContain('<id>urn:dayshift:shop:incident:');
    expect(feed).toContain('A bad deploy; rolling back');
  });

  it('serves a badge per component, with its state, and 404 for any other', async () => {
    const badge = await (await fetch(`${node.address}/status/badge/db.svg`)).text();
    expect(badge).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(badge).toContain('<title>db: operational</title>');
    expect(badge).toContain('fill="#2e7d32"');
    for (const name of ['internal', 'nothing', 'web.health']) {
      const res = await fetch(`${node.address}/status/badge/${name}.svg`);
      expect(res.status, name).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
  });

  it('turns a component red when its check fails, and its badge with it', async () => {
    target.status = 500;
    try {
      const page = await until(async () => {
        const p = await json();
        return p.components.every((c) => c.state === 'major_outage') ? p : undefined;
      }, 'every component in a major outage');
      expect(page.state).toBe('major_outage');
      expect(await (await fetch(`${node.address}/status/badge/web.svg`)).text()).toContain(
        'web: major outage',
      );
    } finally {
      target.status = 200;
    }
  });
});

describe('incidents written by the incidents feature', () => {
  let target: Receiver;
  let node: RunningNode;

  beforeAll(async () => {
    target = await Receiver.start();
    node = await serve(target, 'status_page: { title: "Shop", components: [web, db], public: true }');
  });
  afterAll(async () => {
    await node?.stop('test over');
    await target?.close();
  });

  it('show each public update with its status, never a note, and move to the past list once resolved', async () => {
    const incidents = node.use(incidentsFeature);
    if (!incidents) throw new Error('the incidents feature runs on this node');
    const opened = await incidents.open({
      title: 'Search is down',
      severity: 'high',
      services: ['web', 'internal'],
      message: 'Search answers errors',
      impact: 'internal-impact-31c9',
      actor: 'cli:alice',
    });
    await incidents.note(opened.id, NOTE, 'cli:alice');
    await incidents.update(opened.id, {
      text: 'The index is rebuilding',
      status: 'monitoring',
      actor: 'cli:alice',
    });
    await incidents.update(opened.id, { text: 'Half the shards are back', actor: 'cli:alice' });
    const page = (await (await fetch(`${node.address}/status.json`)).json()) as StatusJson;
    expect(page.incidents.map((i) => [i.title, i.status, i.components])).toEqual([
      ['Search is down', 'monitoring', ['web']],
    ]);
    expect(page.incidents[0]?.updates.map((u) => [u.status, u.text])).toEqual([
      ['monitoring', 'Half the shards are back'],
      ['monitoring', 'The index is rebuilding'],
      ['investigating', 'Search answers errors'],
    ]);
    for (const route of ROUTES) {
      const body = await (await fetch(`${node.address}${route}`)).text();
      expect(body, route).not.toContain('internal-note-7c1e');
      expect(body, route).not.toContain('internal-impact-31c9');
      expect(body, route).not.toContain('internal');
    }

    await incidents.resolve(opened.id, { text: 'Search is back', actor: 'cli:alice' });
    const after = (await (await fetch(`${node.address}/status.json`)).json()) as StatusJson;
    expect(after.incidents).toEqual([]);
    expect(after.pastIncidents.map((i) => [i.title, i.status, i.updates[0]?.text])).toEqual([
      ['Search is down', 'resolved', 'Search is back'],
    ]);
  });
});

describe('a status page reloaded with SIGHUP', () => {
  let target: Receiver;
  let node: RunningNode;

  beforeAll(async () => {
    target = await Receiver.start();
    node = await serve(target, 'status_page: { title: "Before", components: [web], public: true }');
  });
  afterAll(async () => {
    await node?.stop('test over');
    await target?.close();
  });

  it('takes the new title and components at once, and a page made private stays closed until a restart', async () => {
    const reload = async (statusPage: string) => {
      const stack = stackFrom(stackYaml(target.url, statusPage));
      return node.reload({ config: stack.config, configPath: stack.configPath });
    };
    await reload('status_page: { title: "After", components: [web, db], public: true }');
    const page = (await (await fetch(`${node.address}/status.json`)).json()) as StatusJson;
    expect(page.title).toBe('After');
    expect(page.components.map((c) => c.name)).toEqual(['web', 'db']);
    expect((await fetch(`${node.address}/status/badge/db.svg`)).status).toBe(200);

    const outcome = await reload('status_page: { title: "After", components: [web, db] }');
    expect(outcome.changes.join(' ')).toContain('status_page.public: false takes effect at the next restart');
    for (const route of ROUTES) {
      const res = await fetch(`${node.address}${route}`);
      expect(res.status, route).toBe(404);
      const body = await res.text();
      expect(body, route).toContain('the status page was made private');
      expect(body, route).not.toContain('After');
    }
  });
});

describe('a private status page', () => {
  let target: Receiver;
  let node: RunningNode;
  let viewer: string;

  beforeAll(async () => {
    target = await Receiver.start();
    node = await serve(target, 'status_page: { title: "Private", components: [web] }');
    viewer = (await new TokenService(node.store).create({ name: 'v', role: 'viewer' })).token;
  });
  afterAll(async () => {
    await node?.stop('test over');
    await target?.close();
  });

  it('answers 401 without a token and 200 with a viewer token', async () => {
    for (const route of ROUTES) {
      const refused = await fetch(`${node.address}${route}`);
      expect(refused.status, route).toBe(401);
      expect(refused.headers.get('www-authenticate'), route).toBeTruthy();
      const body = await refused.text();
      expect(body).not.toContain('Private');
      const garbage = await fetch(`${node.address}${route}`, {
        headers: { authorization: 'Bearer dst_nothing' },
      });
      expect(garbage.status, route).toBe(401);
      const ok = await fetch(`${node.address}${route}`, { headers: { authorization: `Bearer ${viewer}` } });
      expect(ok.status, route).toBe(200);
      expect(ok.headers.get('cache-control')).toBe('private, max-age=15');
    }
  });

  it('prompts a browser for the token on the page and the feed', async () => {
    expect((await fetch(`${node.address}/status`)).headers.get('www-authenticate')).toMatch(/^Basic/);
    const basic = Buffer.from(`any:${viewer}`).toString('base64');
    const res = await fetch(`${node.address}/status`, { headers: { authorization: `Basic ${basic}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<h1>Private</h1>');
  });
});

describe('without status_page in the stack file', () => {
  let target: Receiver;
  let node: RunningNode;
  let viewer: string;

  beforeAll(async () => {
    target = await Receiver.start();
    node = await serve(target, '');
    viewer = (await new TokenService(node.store).create({ name: 'v', role: 'viewer' })).token;
  });
  afterAll(async () => {
    await node?.stop('test over');
    await target?.close();
  });

  it('answers 404 saying how to enable it', async () => {
    for (const route of ROUTES) {
      const res = await fetch(`${node.address}${route}`, { headers: { authorization: `Bearer ${viewer}` } });
      expect(res.status, route).toBe(404);
      const body = (await res.json()) as { error: { message: string; hint: string } };
      expect(body.error.message).toBe('this stack file has no status page');
      expect(body.error.hint).toContain('status_page: { title:');
    }
  });
});
