/**
 * Positions by receive time. Receive times rise with positions (commit
 * order), give or take the few ms of a group commit, so a binary search over
 * positions finds where a time window starts without an index on receive time.
 */
import type { Store } from '../store/types.js';

/** The first position whose receive time is at or after `us` (eventCount() when none is). */
export function positionAtTime(store: Store, us: number): number {
  let lo = 0;
  let hi = store.eventCount();
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const e = store.getEvent(mid);
    if (e !== undefined && e.receivedUs < us) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
