import type { StackConfig } from '../config/schema.js';
import { instantOf, wallTimeOf } from '../util/zoned-time.js';

/**
 * The pure half of on-call: which member a rotation puts on call at an instant, and how a dated
 * override cuts into it. Times are epoch milliseconds.
 *
 * Hand-offs are counted in wall time (see src/util/zoned-time.ts): hand-off k is at the local date and
 * time `start` + `handoff` + k·`shift`. A shift of whole days therefore hands off at `handoff` local
 * time every N calendar days, and lasts 23 h or 25 h across a DST change; a shorter shift divides the
 * day and hands off at `handoff` + j·`shift` local each day. Before `start` the rotation runs backwards
 * the same way (the member before the first one held the shift before), so any instant has an answer.
 * A hand-off at a local time a spring change skips happens when the clocks jump (02:30 → 03:30); one in
 * the hour an autumn change repeats happens the second time. So a shift lying wholly in the skipped hour
 * (an hourly one from 02:00) lasts nothing, and its member's turn passes.
 */

/** One rotation as the stack file gives it (`oncall.<name>`). */
export type RotationConfig = StackConfig['oncall'][string];

/** One shift of the rotation itself, before overrides. `index` counts shifts from `start` (negative before it). */
export interface RotationShift {
  index: number;
  member: string;
  startsAt: number;
  endsAt: number;
}

/** The wall time of the rotation's first hand-off: `start` at `handoff`. */
function firstHandoff(rotation: RotationConfig): number {
  const [hours, minutes] = rotation.handoff.split(':').map(Number) as [number, number];
  return Date.parse(`${rotation.start}T00:00:00Z`) + (hours * 60 + minutes) * 60_000;
}

/** The instant of hand-off `index`. */
function handoffAt(rotation: RotationConfig, index: number): number {
  return instantOf(firstHandoff(rotation) + index * rotation.shift, rotation.timezone);
}

/** The shift that holds the instant `at`: it started at or before `at` and ends after it. */
export function rotationShiftAt(rotation: RotationConfig, at: number): RotationShift {
  const wall = wallTimeOf(at, rotation.timezone);
  let index = Math.floor((wall - firstHandoff(rotation)) / rotation.shift);
  // Wall time is not monotonic in the hour a DST change repeats (nor defined in the one it skips):
  // settle on instants, which are.
  while (handoffAt(rotation, index) > at) index--;
  while (handoffAt(rotation, index + 1) <= at) index++;
  return shiftOf(rotation, index);
}

/** Shift `index` of the rotation. */
export function shiftOf(rotation: RotationConfig, index: number): RotationShift {
  const count = rotation.members.length;
  return {
    index,
    member: rotation.members[((index % count) + count) % count] as string,
    startsAt: handoffAt(rotation, index),
    endsAt: handoffAt(rotation, index + 1),
  };
}

/** A dated swap as the store keeps it: `person` is on call from `startsAt` until `endsAt`. */
export interface OverrideSpan {
  id: number;
  person: string;
  startsAt: number;
  endsAt: number;
  reason: string | null;
}

/** Who holds the rotation over a stretch of time, and why: the rotation itself or an override. */
export interface ResolvedShift {
  person: string;
  startsAt: number;
  endsAt: number;
  override?: OverrideSpan;
}

/**
 * Who is on call at `at`, given the rotation's shift there, the override covering `at` that wins (the
 * newest of those covering it), and the overrides newer than that one (every override when none
 * covers `at`) that overlap the winner's span. The answer's span is as long as the same winner holds:
 * a newer override starting later ends it, and one that ended earlier starts it.
 */
export function resolveShift(
  shift: RotationShift,
  winner: OverrideSpan | undefined,
  newer: readonly OverrideSpan[],
  at: number,
): ResolvedShift {
  let startsAt = winner ? winner.startsAt : shift.startsAt;
  let endsAt = winner ? winner.endsAt : shift.endsAt;
  for (const o of newer) {
    if (winner && o.id <= winner.id) continue;
    if (o.startsAt > at && o.startsAt < endsAt) endsAt = o.startsAt;
    if (o.endsAt <= at && o.endsAt > startsAt) startsAt = o.endsAt;
  }
  return winner
    ? { person: winner.person, startsAt, endsAt, override: winner }
    : { person: shift.member, startsAt, endsAt };
}
