import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { notifierKinds } from '../../src/notifiers/registry.js';
import { renderNotification } from '../../src/notifiers/shared/templates.js';
import { DeliveryError, type Notification, type NotifierKindDefinition } from '../../src/notifiers/types.js';
import { AlertmanagerReceiver } from '../helpers/alertmanager-receiver.js';
import { alert, digest, single } from './notifications.js';

const webhook = notifierKinds.webhook as unknown as NotifierKindDefinition;
const context = () => ({
  notifier: 'chatops',
  signal: AbortSignal.timeout(10_000),
  baseDir: process.cwd(),
  logger: silentLogger(),
});

describe('the webhook notifier with format: alertmanager, sent to a receiver written for Alertmanager', () => {
  let receiver: AlertmanagerReceiver;
  beforeAll(async () => {
    receiver = await AlertmanagerReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    receiver.accepted.length = 0;
    receiver.refused.length = 0;
  });

  const send = (n: Notification, extra: Record<string, unknown> = {}) =>
    webhook.send(
      webhook.options.parse({ url: receiver.url, format: 'alertmanager', ...extra }),
      n,
      context(),
    );

  it('a firing alert is accepted, with Alertmanager fields filled from the alert', async () => {
    const n = single();
    const receipt = await send(n, { external_url: 'https://dayshift.example.com/' });
    expect(receiver.refused).toEqual([]);
    expect(receipt.status).toBe(200);
    const [m] = receiver.accepted;
    expect(m).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'chatops',
      truncatedAlerts: 0,
      groupLabels: { stack: 'shop' },
      externalURL: 'https://dayshift.example.com',
    });
    expect(m?.alerts).toEqual([
      {
        status: 'firing',
        labels: {
          alertname: 'backend.health unhealthy',
          service: 'backend',
          team: 'web',
          stack: 'shop',
          severity: 'critical',
          origin: 'check',
        },
        annotations: { summary: 'status == 200 failed: got 503' },
        startsAt: '2026-11-20T10:00:00.000Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'https://dayshift.example.com/api/v1/alerts/7',
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    ]);
    expect(m?.commonLabels).toEqual(m?.alerts[0]?.labels);
    expect(m?.commonAnnotations).toEqual(m?.alerts[0]?.annotations);
  });

  it('a digest is accepted; common labels are only those every alert shares', async () => {
    await send(digest(30));
    expect(receiver.refused).toEqual([]);
    const [m] = receiver.accepted;
    expect(m?.alerts).toHaveLength(30);
    expect(m?.status).toBe('firing');
    // The fixture's labels say backend for every alert; severities differ, so severity is not common.
    expect(m?.commonLabels).toEqual({ service: 'backend', team: 'web', stack: 'shop', origin: 'check' });
    expect(m?.commonAnnotations).toEqual({ summary: 'status == 200 failed: got 503' });
    expect(new Set(m?.alerts.map((a) => a.fingerprint)).size).toBe(30);
    expect(m?.alerts.filter((a) => a.status === 'resolved')).toHaveLength(3);
  });

  it('a resolve is resolved, ends when it resolved, and keeps what it fired for', async () => {
    await send(
      single({
        event: 'resolved',
        state: 'resolved',
        summary: 'backend.health is healthy again after 12m',
        firingSummary: 'status == 200 failed: got 503',
        resolvedAt: '2026-11-20T10:12:00.000Z',
      }),
    );
    const [m] = receiver.accepted;
    expect(m?.status).toBe('resolved');
    expect(m?.alerts[0]).toMatchObject({
      status: 'resolved',
      endsAt: '2026-11-20T10:12:00.000Z',
      annotations: {
        summary: 'backend.health is healthy again after 12m',
        firing_summary: 'status == 200 failed: got 503',
      },
    });
  });

  it('without external_url, externalURL and generatorURL are empty strings, as the type requires', async () => {
    const n = renderNotification({
      deliveryId: 'd-2',
      stack: 'shop',
      alerts: [alert({ event: 'acknowledged', acknowledgedBy: 'alice' })],
      createdAt: '2026-11-20T10:00:01.000Z',
    });
    await send(n);
    expect(receiver.refused).toEqual([]);
    expect(receiver.accepted[0]).toMatchObject({
      externalURL: '',
      alerts: [{ status: 'firing', generatorURL: '' }],
    });
  });

  it("the same receiver refuses Dayshift's own payload, so it does check the shape", async () => {
    const error = await webhook
      .send(webhook.options.parse({ url: receiver.url }), single(), context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(false);
    expect(receiver.refused).toEqual(['message: unknown field "deliveryId"']);
  });
});
