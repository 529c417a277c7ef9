import { randomUUID } from 'node:crypto';
import { renderNotification } from '../../src/notifiers/shared/templates.js';
import type { Notification, NotifiedAlert } from '../../src/notifiers/types.js';

export function alert(overrides: Partial<NotifiedAlert> = {}): NotifiedAlert {
  return {
    id: 7,
    key: 'check:backend.health',
    event: 'firing',
    name: 'backend.health unhealthy',
    origin: 'check',
    severity: 'critical',
    state: 'firing',
    flapping: false,
    service: 'backend',
    check: 'backend.health',
    summary: 'status == 200 failed: got 503',
    labels: { service: 'backend', team: 'web' },
    value: null,
    startedAt: '2026-11-20T10:00:00.000Z',
    firedAt: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

export function single(overrides: Partial<NotifiedAlert> = {}): Notification {
  return renderNotification({
    deliveryId: randomUUID(),
    stack: 'shop',
    alerts: [alert(overrides)],
    createdAt: '2026-11-20T10:00:01.000Z',
  });
}

/** A digest of `n` alerts: most firing, a few resolved. */
export function digest(n: number): Notification {
  return renderNotification({
    deliveryId: randomUUID(),
    stack: 'shop',
    alerts: Array.from({ length: n }, (_, i) =>
      alert({
        id: i + 1,
        key: `check:fleet.c${i}`,
        name: `fleet.c${i} unhealthy`,
        service: 'fleet',
        check: `fleet.c${i}`,
        event: i % 10 === 9 ? 'resolved' : 'firing',
        state: i % 10 === 9 ? 'resolved' : 'firing',
        severity: i % 2 === 0 ? 'high' : 'low',
      }),
    ),
    createdAt: '2026-11-20T10:00:01.000Z',
  });
}
