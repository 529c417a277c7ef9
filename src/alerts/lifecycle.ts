import type { AlertRecord, DesiredAlert } from './types.js';

/**
 * The next step for one alert key, decided from what is open and what its origin says now. Pure, so
 * every sequence (for:, reminders, ack, flapping, suppression) is tested as a table on plain data.
 *
 *   none      nothing to do
 *   open      a new alert: pending (it has a for:) or firing at once
 *   fire      pending held for its for: duration
 *   drop      pending that stopped holding before firing: closed without telling anyone
 *   announce  firing but nobody was told yet (it fired while suppressed): tell now
 *   remind    firing, unacknowledged, `repeat` since the last notification
 *   flapping  the check started flipping: held as one alert and told once
 *   steady    the check stopped flipping: normal rules apply again from the next step
 *   resolve   no longer true: closed, and those who were told are told it resolved
 */
export type AlertStep =
  | { kind: 'none' }
  | { kind: 'open'; state: 'pending' | 'firing' }
  | { kind: 'fire' }
  | { kind: 'drop' }
  | { kind: 'announce' }
  | { kind: 'remind' }
  | { kind: 'flapping' }
  | { kind: 'steady' }
  /** `recovery`: what recovered, recorded on the resolved event and sent in place of the firing summary. */
  | { kind: 'resolve'; recovery?: string };

export interface StepContext {
  now: number;
  /** Why notifications for this alert are held back now (a silence, a maintenance window), if they are. */
  suppressedBy?: string;
}

export function planStep(
  open: AlertRecord | undefined,
  desired: DesiredAlert | undefined,
  { now, suppressedBy }: StepContext,
): AlertStep {
  if (!open) {
    if (!desired) return { kind: 'none' };
    const since = Math.min(desired.since ?? now, now);
    return { kind: 'open', state: desired.flapping || now - since >= desired.forMs ? 'firing' : 'pending' };
  }
  if (!desired) {
    // A flapping alert is held until its check is steady again; its origin keeps it desired meanwhile.
    return open.state === 'pending' ? { kind: 'drop' } : { kind: 'resolve' };
  }
  if (open.state === 'pending') {
    if (desired.flapping || now - open.startedAt >= desired.forMs) return { kind: 'fire' };
    return { kind: 'none' };
  }
  // Firing from here on.
  if (desired.flapping && !open.flapping) return { kind: 'flapping' };
  if (!desired.flapping && open.flapping) return { kind: 'steady' };
  if (suppressedBy !== undefined) return { kind: 'none' };
  if (!open.announced && open.ackedAt === null) return { kind: 'announce' };
  if (
    open.ackedAt === null &&
    open.repeatMs > 0 &&
    open.notifiedAt !== null &&
    now - open.notifiedAt >= open.repeatMs
  )
    return { kind: 'remind' };
  return { kind: 'none' };
}
