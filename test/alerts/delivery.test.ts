import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertsFeature } from '../../src/alerts/feature.js';
import { alertDetail, listAlerts } from '../../src/alerts/queries.js';
import { silentLogger } from '../../src/log/logger.js';
import { type RunningNode, startNode } from '../../src/runtime/node.js';
import { AlertmanagerReceiver } from '../helpers/alertmanager-receiver.js';
import { CLI } from '../helpers/built-cli.js';
import { Receiver, signatureOf, type WebhookBody } from '../helpers/receiver.js';
import { stackFrom } from '../helpers/stack.js';
import { createTestStore, STORE_KINDS, storeYaml, type TestStore } from '../helpers/stores.js';
import { Target } from '../helpers/target.js';
import { until } from '../helpers/wait.js';
import { payloadErrors } from '../helpers/webhook-schema.js';
import { alertingSettled } from './alert-fixtures.js';

const SECRET = 'canary-hook-secret-5d1f0c';
const run = promisify(execFile);

function stackYaml(target: Target, receiver: Receiver, pager: Receiver, am: AlertmanagerReceiver): string {
  return `
version: 1
stack: shop
services:
  api:
    checks:
      health:
        tcp: { host: 127.0.0.1, port: ${target.port} }
        every: 1s
        timeout: 500ms
        retries: 1
        severity: high
alerting: { group_interval: 1s, fallback: pager }
notifiers:
  ops: { webhook: { url: "${receiver.url}/ops", secret: "\${HOOK_SECRET}" } }
  pager: { webhook: { url: "${pager.url}/pager" } }
  am: { webhook: { url: "${am.url}", format: alertmanager, external_url: "https://dayshift.example.com" } }
`;
}

describe.each(STORE_KINDS)(
  'notification delivery through a running node (%s, real webhook receiver)',
  (kind) => {
    let test: TestStore;
    let receiver: Receiver;
    let pager: Receiver;
    let am: AlertmanagerReceiver;
    let target: Target;
    let node: RunningNode | undefined;

    beforeEach(async () => {
      test = await createTestStore(kind);
      receiver = await Receiver.start();
      pager = await Receiver.start();
      am = await AlertmanagerReceiver.start();
      target = await Target.start();
    });
    afterEach(async () => {
      await node?.stop('test over');
      node = undefined;
      await receiver.close();
      await pager.close();
      await am.close();
      await target.down();
      await test.destroy();
    });

    let stackPath = '';
    const configPath = () => stackPath;

    async function start(overrides: { notify?: string } = {}) {
      let yaml = `${storeYaml(test.options)}${stackYaml(target, receiver, pager, am)}`;
      if (overrides.notify)
        yaml = yaml.replace('severity: high', `severity: high\n        notify: [${overrides.notify}]`);
      const { config, configPath } = stackFrom(yaml, { HOOK_SECRET: SECRET });
      stackPath = configPath;
      node = await startNode({
        store: test.options,
        listen: '127.0.0.1:0',
        logger: silentLogger(),
        schedulerTickMs: 200,
        stack: { config, configPath },
      });
      // Healthy first, so the failure below is a transition.
      await until(
        async () =>
          (await node?.store.db.selectFrom('check_states').select('state').executeTakeFirst())?.state ===
            'healthy' || undefined,
        'the check to be healthy',
      );
      return node;
    }

    it('a check going down reaches the webhook once, signed; going up sends the resolve once', async () => {
      const running = await start();
      await target.down();
      await until(() => (receiver.json('/ops').length >= 1 ? true : undefined), 'the firing notification');
      await target.up();
      await until(() => (receiver.json('/ops').length >= 2 ? true : undefined), 'the resolved notification');
      // Quiet afterwards: nothing else is sent for this transition pair.
      await alertingSettled(running.use(alertsFeature));

      const ops = receiver.received.filter((r) => r.path === '/ops');
      expect(ops).toHaveLength(2);
      const bodies = ops.map((r) => JSON.parse(r.body) as WebhookBody);
      expect(bodies.map((b) => b.alerts.map((a) => [a.key, a.event]))).toEqual([
        [['check:api.health', 'firing']],
        [['check:api.health', 'resolved']],
      ]);
      // The payload names where the alert comes from as `origin`, the field and the label alike.
      const sent = bodies[0]?.alerts[0] as unknown as Record<string, unknown>;
      expect(sent).toMatchObject({ origin: 'check', labels: { origin: 'check' } });
      expect(sent).not.toHaveProperty('source');
      expect(sent.labels).not.toHaveProperty('source');
      for (const r of ops) {
        const timestamp = String(r.headers['x-dayshift-timestamp']);
        expect(r.headers['x-dayshift-signature']).toBe(signatureOf(SECRET, timestamp, r.body));
        expect(r.headers['x-dayshift-delivery']).toBe((JSON.parse(r.body) as WebhookBody).deliveryId);
        expect(r.body).not.toContain(SECRET);
      }
      expect(new Set(bodies.map((b) => b.deliveryId)).size).toBe(2);
      // What a running node sends is what the published schema describes.
      for (const b of bodies) expect(payloadErrors(b)).toEqual([]);
      // The resolve says what recovered; the firing summary rides beside it.
      const [fired, resolved] = bodies.map(
        (b) => b.alerts[0] as unknown as { summary: string; firingSummary?: string },
      );
      expect(resolved?.summary).toMatch(/^api\.health is healthy again after (less than 1s|\d+s)/);
      expect(resolved?.firingSummary).toBe(fired?.summary);
      expect((bodies[1] as unknown as { text: string }).text).toContain(resolved?.summary);

      // The Alertmanager-format notifier's receiver, written to Alertmanager's message, took both as they are.
      await until(
        () => (am.accepted.length >= 2 ? true : undefined),
        'both messages at the Alertmanager receiver',
      );
      expect(am.refused).toEqual([]);
      expect(am.accepted.map((m) => [m.receiver, m.status, m.alerts[0]?.labels.alertname])).toEqual([
        ['am', 'firing', 'api.health unhealthy'],
        ['am', 'resolved', 'api.health unhealthy'],
      ]);
      expect(am.accepted[1]?.alerts[0]?.annotations).toEqual({
        summary: resolved?.summary,
        firing_summary: fired?.summary,
      });
      expect(am.accepted[0]?.alerts[0]?.generatorURL).toMatch(
        /^https:\/\/dayshift\.example\.com\/api\/v1\/alerts\/\d+$/,
      );

      const [alert] = await listAlerts(running.store.db);
      const detail = await alertDetail(running.store.db, alert?.id as number);
      expect(
        detail?.notifications
          .filter((n) => n.notifier === 'ops')
          .map((n) => [n.event, n.status, n.delivery?.status]),
      ).toEqual([
        ['firing', 'sent', 'sent'],
        ['resolved', 'sent', 'sent'],
      ]);
      expect(detail?.notifications[0]?.delivery?.receiptStatus).toBe(200);
    });

    it('while the receiver is down the delivery is retried, and it arrives once the receiver is back', async () => {
      const running = await start({ notify: 'ops' });
      await receiver.down();
      await target.down();
      const failing = await until(
        async () =>
          (await running.store.db
            .selectFrom('deliveries')
            .selectAll()
            .where('last_error', 'is not', null)
            .executeTakeFirst()) ?? undefined,
        'a failed delivery attempt',
      );
      expect(failing.status).toBe('sending');
      await receiver.up();
      await until(
        () => (receiver.json('/ops').length >= 1 ? true : undefined),
        'the delivery after the outage',
        30_000,
      );
      await alertingSettled(running.use(alertsFeature));
      const bodies = receiver.json<WebhookBody>('/ops');
      expect(bodies).toHaveLength(1);
      expect(bodies[0]?.alerts.map((a) => a.event)).toEqual(['firing']);
      const delivery = await running.store.db
        .selectFrom('deliveries')
        .selectAll()
        .where('id', '=', failing.id)
        .executeTakeFirstOrThrow();
      expect(delivery.status).toBe('sent');
      expect(delivery.attempts).toBeGreaterThanOrEqual(2);

      // The record says it was delivered on that attempt; the outage's error is kept aside, not as current.
      const [alert] = await listAlerts(running.store.db);
      const record = (await alertDetail(running.store.db, alert?.id as number))?.notifications[0]?.delivery;
      expect(record).toMatchObject({
        status: 'sent',
        attempts: delivery.attempts,
        outcome: `delivered on attempt ${delivery.attempts}`,
        lastError: null,
        earlierError: expect.stringMatching(/ECONNREFUSED/),
      });
      const shown = await run(
        process.execPath,
        [CLI, '--config', configPath(), 'alerts', 'show', String(alert?.id)],
        {
          env: { ...process.env, HOOK_SECRET: SECRET },
        },
      );
      expect(shown.stdout).not.toContain(SECRET);
      const row = shown.stdout.split('\n').find((line) => line.startsWith('ops '));
      expect(row).toMatch(
        new RegExp(
          `delivered on attempt ${delivery.attempts}: 200 \\(after: could not reach the webhook: ECONNREFUSED\\)`,
        ),
      );
    });

    it('a delivery refused for good raises an alert on the fallback notifier', async () => {
      const running = await start({ notify: 'ops' });
      receiver.status = 400;
      await target.down();
      await until(() => (pager.json('/pager').length >= 1 ? true : undefined), 'the fallback notification');
      const [fallback] = pager.json<WebhookBody>('/pager');
      expect(fallback?.alerts[0]).toMatchObject({ key: 'delivery:ops', event: 'firing' });
      const failed = await running.store.db
        .selectFrom('deliveries')
        .selectAll()
        .where('notifier', '=', 'ops')
        .execute();
      expect(failed.map((d) => d.status)).toEqual(['failed']);
      expect(failed[0]?.last_error).toMatch(/400/);
      expect(failed[0]?.last_error).not.toContain(SECRET);
    });
  },
);
