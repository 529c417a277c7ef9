import { z } from 'zod';
import { secretString } from '../schema/secret-schema.js';
import { httpUrl } from '../schema/values.js';
import { clip, post } from './shared/http-post.js';
import { DeliveryError, type NotifiedAlert, type NotifierKindDefinition } from './types.js';

const options = z.strictObject({
  routing_key: secretString(),
  /** Another Events API endpoint (a proxy, a test server). */
  url: httpUrl().default('https://events.pagerduty.com/v2/enqueue'),
});

/** PagerDuty's four severities. */
const SEVERITY: Record<string, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
};

function eventAction(alert: NotifiedAlert): 'trigger' | 'acknowledge' | 'resolve' {
  if (alert.event === 'resolved') return 'resolve';
  if (alert.event === 'acknowledged') return 'acknowledge';
  return 'trigger';
}

/**
 * PagerDuty Events API v2: one event per alert, `dedup_key` = the alert's key, so a reminder re-triggers
 * the same incident and a resolve closes it. A digest sends each of its alerts' events in turn.
 */
export const pagerdutyNotifier: NotifierKindDefinition<typeof options> = {
  kind: 'pagerduty',
  description: 'PagerDuty Events API v2: triggers and resolves incidents, deduplicated by alert',
  options,
  async send(opts, n, context) {
    const keys: string[] = [];
    let status: number | undefined;
    for (const alert of n.alerts) {
      const action = eventAction(alert);
      const event: Record<string, unknown> = {
        routing_key: opts.routing_key.reveal(),
        event_action: action,
        dedup_key: alert.key,
      };
      if (action === 'trigger')
        Object.assign(event, {
          payload: {
            summary: clip(`${alert.name}: ${alert.summary}`, 1024),
            // PagerDuty's own `source` field: the affected system, which is not the alert's origin.
            source: alert.service ?? n.stack,
            severity: SEVERITY[alert.severity] ?? 'warning',
            timestamp: alert.firedAt ?? alert.startedAt,
            component: alert.check ?? alert.rule,
            group: n.stack,
            class: alert.origin,
            custom_details: { ...alert.labels, value: alert.value, delivery: n.deliveryId },
          },
          client: 'Dayshift',
        });
      try {
        const receipt = await post(opts.url, JSON.stringify(event), {
          signal: context.signal,
          what: 'PagerDuty',
        });
        status = receipt.status;
      } catch (error) {
        if (error instanceof DeliveryError && keys.length > 0)
          throw new DeliveryError(
            `${error.message} (after ${keys.length} of ${n.alerts.length} events were accepted)`,
            {
              retryable: error.retryable,
              status: error.status,
              cause: error,
            },
          );
        throw error;
      }
      keys.push(`${action} ${alert.key}`);
    }
    return { status, detail: clip(keys.join(', '), 300) };
  },
};
