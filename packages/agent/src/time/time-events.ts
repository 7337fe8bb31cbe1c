/**
 * The catalogue events the tracker emits, as inputs for `log.event(name, …)`.
 * The logger stamps the record after the tracker has updated its state, so
 * the record's own `tq` already tells the new truth.
 */
import { type EventInput, eventTimeNow } from '@seclog/core';
import type { ClockJump } from './clock-jump.js';

export type TimeEventName = 'time_change' | 'time_sync';
export type TimeEventListener = (name: TimeEventName, input: EventInput) => void;

/** Why sync was lost; also in the event's message. */
export type SyncLossReason = 'failed-polls' | 'holdover' | 'offset' | 'jump';

const LOSS_TEXT: Readonly<Record<SyncLossReason, string>> = {
  'failed-polls': 'polls in a row gave no usable time',
  holdover: 'the last usable time measurement is older than the holdover limit',
  offset: 'the measured offset exceeds the limit',
  jump: 'the wall clock was stepped away from the measured time',
};

/**
 * A step seen against the monotonic clock. The tracker cannot know who set
 * the clock, so the source is `other`; a product that sets the clock itself
 * logs its own time_change with the right source.
 */
export function timeChangeInput(jump: ClockJump): EventInput {
  const delta = Math.round(jump.deltaMs);
  return {
    // Going back in time is what hides or reorders evidence; stepping forward is the common correction.
    severity: delta < 0 ? 'medium' : 'low',
    outcome: 'success',
    attrs: {
      old_time: eventTimeNow(jump.oldMs),
      new_time: eventTimeNow(jump.newMs),
      delta_ms: delta,
      source: 'other',
    },
    message: `wall clock stepped ${delta < 0 ? 'back' : 'forward'} by ${Math.abs(delta)} ms against the monotonic clock`,
  };
}

export function syncLostInput(
  reason: SyncLossReason,
  detail: string,
  offsetMs: number | undefined,
  server: string | undefined,
): EventInput {
  const attrs: Record<string, string | number> = { state: 'lost', source: 'ntp' };
  if (offsetMs !== undefined) attrs.offset_ms = Math.round(offsetMs);
  if (server !== undefined) attrs.server = server;
  return { severity: 'medium', outcome: 'failure', attrs, message: `time sync lost: ${LOSS_TEXT[reason]} (${detail})` };
}

export function syncRegainedInput(offsetMs: number, server: string, unsyncedMs: number): EventInput {
  return {
    outcome: 'success',
    attrs: {
      state: 'regained',
      source: 'ntp',
      offset_ms: Math.round(offsetMs),
      server,
      unsynced_seconds: Math.max(0, Math.floor(unsyncedMs / 1000)),
    },
  };
}
