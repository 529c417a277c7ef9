/// <reference lib="dom" />
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatencySketch } from '../../src/history/sketch.js';
import { appendEvents } from '../../src/incidents/records.js';
import type { Store } from '../../src/store/index.js';
import { Receiver } from '../helpers/receiver.js';
import { ServeProcess } from '../helpers/serve-process.js';
import { createTestStore, storeYaml, type TestStore } from '../helpers/stores.js';
import { until } from '../helpers/wait.js';
import { insertIncident } from './incident-rows.js';

/**
 * The status page as a visitor sees it: a real `dayshift serve` on a stack file whose checks watch two
 * HTTP targets the test controls, and real Chromium with JavaScript off (the page needs none).
 */

const ARTIFACTS = path.resolve('test-artifacts/status-page');
const DAY = 86_400_000;
const NOTE = 'internal-note-9f2d: paged bob, he is asleep';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

interface PageJson {
  state: string;
  components: Array<{ name: string; state: string }>;
}

describe('the status page in Chromium', () => {
  let testStore: TestStore;
  let store: Store;
  let front: Receiver;
  let back: Receiver;
  let serve: ServeProcess;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every URL any page of the test asked for. */
  const requested: string[] = [];

  const states = async (): Promise<Record<string, string>> => {
    const body = (await (await fetch(`${base}/status.json`)).json()) as PageJson;
    return Object.fromEntries(body.components.map((c) => [c.name, c.state]));
  };
  const waitFor = (wanted: Record<string, string>) => {
    let seen: Record<string, string> = {};
    return until(
      async () => {
        seen = await states();
        return Object.entries(wanted).every(([name, state]) => seen[name] === state) ? seen : undefined;
      },
      () => `components ${JSON.stringify(wanted)}; last seen ${JSON.stringify(seen)}`,
    );
  };
  const stateOf = (name: string) => page.locator(`#component-${name}`).getAttribute('data-state');
  const labelOf = (name: string) => page.locator(`#component-${name} .state`).textContent();
  /** Tracks every request a page makes, then opens the status page in it. */
  const open = async (target: Page) => {
    target.on('request', (request) => requested.push(request.url()));
    const response = await target.goto(`${base}/status`);
    expect(response?.status()).toBe(200);
  };
  /** The batch job's check as if it last reported `ago` ms ago: it runs once a day. */
  const batchReported = async (ago: number) => {
    const at = Date.now() - ago;
    const row = {
      state: 'healthy',
      since: at - DAY,
      failures: 0,
      successes: 5,
      last_at: at,
      last_outcome: 'pass',
      last_latency_ms: 12,
      last_reason: null,
      last_result: null,
      updated_at: at,
    };
    await store.db
      .insertInto('check_states')
      .values({ check_id: 'batch.nightly', monitored_since: at - 30 * DAY, ...row })
      .onConflict((oc) => oc.column('check_id').doUpdateSet(row))
      .execute();
  };

  /**
   * 60 days of day rollups before today for web and db, as the history keeps them: web had a bad day
   * 10 days ago (90 % of its samples passed) and a shaky one 20 days ago (99.5 %).
   */
  const seedHistory = async () => {
    const today = Math.floor(Date.now() / DAY) * DAY;
    const sketch = new LatencySketch().add(20, 8_640).encode();
    const rows = ['web.home', 'web.api', 'db.ready'].flatMap((check_id) =>
      Array.from({ length: 60 }, (_, i) => {
        const ago = i + 1;
        const failures = check_id === 'web.home' ? (ago === 10 ? 1_728 : ago === 20 ? 86 : 0) : 0;
        return {
          check_id,
          resolution: 'd',
          start: today - ago * DAY,
          count: 8_640,
          failures,
          warnings: 0,
          latency_sum: 20 * 8_640,
          latency_max: 90,
          sketch,
        };
      }),
    );
    await store.db.insertInto('check_rollups').values(rows).execute();
    await store.db
      .insertInto('history_watermarks')
      .values({ resolution: 'd', rolled_until: today })
      .execute();
  };

  beforeAll(async () => {
    testStore = await createTestStore('sqlite');
    store = await testStore.open();
    front = await Receiver.start();
    back = await Receiver.start();
    const dir = path.dirname(testStore.options.sqlitePath ?? '');
    const configPath = path.join(dir, 'dayshift.yaml');
    const http = (url: string) =>
      `{ http: { url: "${url}" }, expect: ["status == 200"], every: 1s, timeout: 900ms, retries: 2 }`;
    writeFileSync(
      configPath,
      `version: 1
stack: storefront
${storeYaml(testStore.options)}
services:
  web:
    checks:
      home: ${http(`${front.url}/`)}
      api: ${http(`${back.url}/api`)}
  db:
    checks:
      ready: ${http(`${back.url}/ready`)}
  batch:
    checks:
      # Once a day; its first run is hours after the node starts (the timer spreads first runs).
      nightly: { http: { url: "${back.url}/batch" }, every: 24h }
status_page:
  title: "Storefront"
  description: "Orders, payments and the nightly export."
  components: [web, db, batch]
  public: true
`,
    );
    await batchReported(60_000);
    await seedHistory();
    serve = new ServeProcess(configPath);
    base = await serve.address();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
    await open(page);
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    if (serve) expect(await serve.stop()).toBe(0);
    await front?.close();
    await back?.close();
    await testStore?.destroy();
  });

  it('shows every component operational when every check passes, without JavaScript', async () => {
    await waitFor({ web: 'operational', db: 'operational', batch: 'operational' });
    await page.reload();
    for (const name of ['web', 'db', 'batch']) {
      expect(await stateOf(name)).toBe('operational');
      expect(await labelOf(name)).toBe('Operational');
    }
    expect(await page.locator('#overall').textContent()).toBe('All systems operational');
    expect(await page.title()).toBe('Storefront status');
    expect(
      await page.locator('link[rel="alternate"][type="application/atom+xml"]').getAttribute('href'),
    ).toBe('/status/feed.atom');
    // Ninety days per component, today's with data.
    expect(await page.locator('#component-web svg rect').count()).toBe(90);
    const days = page.locator('#component-web svg rect');
    expect(await days.last().getAttribute('class')).toBe('d-up');
    // From the day rollups: two checks, one of which failed 20 % of a day 10 days ago (90 % for web).
    expect(await days.nth(89 - 10).getAttribute('class')).toBe('d-major');
    expect(
      await days
        .nth(89 - 10)
        .locator('title')
        .textContent(),
    ).toMatch(/^\d{4}-\d\d-\d\d: 90\.00 %$/);
    expect(await days.nth(89 - 20).getAttribute('class')).toBe('d-minor');
    expect(await days.nth(89 - 61).getAttribute('class')).toBe('d-none');
    expect(await page.locator('#component-db svg rect.d-up').count()).toBe(61);
    await page.screenshot({ path: path.join(ARTIFACTS, 'healthy.png'), fullPage: true });
  });

  it('shows a partial, then a major outage when checks go red', async () => {
    try {
      front.status = 500;
      await waitFor({ web: 'partial_outage', db: 'operational' });
      await page.reload();
      expect(await stateOf('web')).toBe('partial_outage');
      expect(await labelOf('web')).toBe('Partial outage');
      expect(await stateOf('db')).toBe('operational');
      expect(await page.locator('#overall').textContent()).toBe('Partial outage');

      back.status = 500;
      await waitFor({ web: 'major_outage', db: 'major_outage' });
      await page.reload();
      expect(await labelOf('web')).toBe('Major outage');
      expect(await labelOf('db')).toBe('Major outage');
      expect(await page.locator('#overall').getAttribute('data-state')).toBe('major_outage');
    } finally {
      front.status = 200;
      back.status = 200;
    }
    await waitFor({ web: 'operational', db: 'operational' });
    await page.reload();
    expect(await stateOf('web')).toBe('operational');
  });

  it('shows an incident and each public update as it is posted, never an internal note', async () => {
    const opened = Date.now();
    const id = await insertIncident(
      store.db,
      { title: 'Payments <fail> for some cards', services: ['web'], openedAt: opened },
      [
        {
          at: opened,
          type: 'opened',
          actor: 'cli:alice',
          public: true,
          text: 'We are investigating failed card payments.',
        },
      ],
    );
    await page.reload();
    const card = page.locator(`#incident-${id}`);
    expect(await card.locator('h3').textContent()).toBe('Payments <fail> for some cards');
    expect(await card.locator('.updates li').count()).toBe(1);

    await appendEvents(store.db, [
      { incidentId: id, at: opened + 1_000, type: 'note', actor: 'cli:alice', public: false, text: NOTE },
      {
        incidentId: id,
        at: opened + 2_000,
        type: 'status',
        actor: 'cli:alice',
        public: true,
        text: 'The payment provider rejected a certificate; a fix is rolling out.',
        data: { from: 'investigating', to: 'identified' },
      },
    ]);
    await store.db
      .updateTable('incidents')
      .set({ status: 'identified', last_update_at: opened + 2_000 })
      .where('id', '=', id)
      .execute();
    await page.reload();
    expect(await card.getAttribute('data-status')).toBe('identified');
    const updates = card.locator('.updates li');
    expect(await updates.count()).toBe(2);
    expect(await updates.first().textContent()).toContain(
      'Identified — The payment provider rejected a certificate',
    );
    expect(await updates.last().textContent()).toContain('We are investigating failed card payments.');
    expect(await page.content()).not.toContain('internal-note-9f2d');
    await page.screenshot({ path: path.join(ARTIFACTS, 'incident.png'), fullPage: true });

    // The feed carries the update and not the note, and is well-formed Atom to a real XML parser.
    const feed = await (await fetch(`${base}/status/feed.atom`)).text();
    expect(feed).not.toContain('internal-note-9f2d');
    const parser = await browser.newPage();
    try {
      const atom = await parser.evaluate((xml) => {
        const doc = new DOMParser().parseFromString(xml, 'application/xml');
        const ns = 'http://www.w3.org/2005/Atom';
        const feedEl = doc.documentElement;
        const child = (el: Element, name: string) =>
          Array.from(el.children).find((c) => c.namespaceURI === ns && c.localName === name)?.textContent ??
          null;
        return {
          error: doc.getElementsByTagName('parsererror').length > 0,
          root: `${feedEl.namespaceURI} ${feedEl.localName}`,
          id: child(feedEl, 'id'),
          updated: child(feedEl, 'updated'),
          title: child(feedEl, 'title'),
          entries: Array.from(doc.getElementsByTagNameNS(ns, 'entry')).map((e) => ({
            id: child(e, 'id'),
            title: child(e, 'title'),
            updated: child(e, 'updated'),
            content: child(e, 'content'),
          })),
        };
      }, feed);
      expect(atom.error).toBe(false);
      expect(atom.root).toBe('http://www.w3.org/2005/Atom feed');
      expect(atom.id).toBe('urn:dayshift:storefront:status');
      expect(atom.title).toBe('Storefront incidents');
      expect(Date.parse(atom.updated ?? '')).toBe(opened + 2_000);
      expect(atom.entries).toHaveLength(1);
      expect(atom.entries[0]?.title).toBe('Payments <fail> for some cards (identified)');
      expect(atom.entries[0]?.content).toContain('The payment provider rejected a certificate');
    } finally {
      await parser.close();
    }
  });

  it('shows a component whose check stopped reporting as stale, never operational', async () => {
    // Four days since the daily check reported: past its 3 × 24 h (plus timeout) of grace.
    await batchReported(4 * DAY);
    await waitFor({ batch: 'stale' });
    await page.reload();
    expect(await stateOf('batch')).toBe('stale');
    expect(await labelOf('batch')).toBe('Stale');
    expect(await page.locator('#component-batch').textContent()).not.toContain('Operational');
    await batchReported(60_000);
  });

  it('fits a phone: 375 px wide without horizontal scrolling', async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 812 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const mobile = await phone.newPage();
      await open(mobile);
      const widths = await mobile.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
        widest: Math.max(
          ...Array.from(document.querySelectorAll('body *')).map((el) => el.getBoundingClientRect().right),
        ),
      }));
      expect(widths.client).toBe(375);
      expect(widths.scroll).toBeLessThanOrEqual(widths.client);
      expect(widths.widest).toBeLessThanOrEqual(375);
      await mobile.screenshot({ path: path.join(ARTIFACTS, 'phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });

  it('asked nothing of any host but the server', () => {
    const origin = new URL(base).origin;
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
  });
});
