/**
 * Event ids of matching events, so a record delivered twice (two transports,
 * a replay) is not counted twice. Only events that matched some rule are
 * remembered: a duplicate of a non-matching event matches nothing either.
 * Ids are kept while their event could still fall into a window (watermark −
 * lateness − longest timespan) and never beyond the cap.
 */
import { expectArray, expectNumber, expectString } from './windows/window.js';

export class DedupSet {
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly onEvict: () => void,
  ) {}

  /** True when `id` was seen before; otherwise remembers it. */
  seen(id: string, timeUs: number): boolean {
    if (this.ids.has(id)) return true;
    if (this.ids.size >= this.max) {
      const oldest = this.ids.keys().next();
      if (!oldest.done) this.ids.delete(oldest.value);
      this.onEvict();
    }
    this.ids.set(id, timeUs);
    return false;
  }

  /** Forget ids of events at or before the cutoff (insertion order is close to time order). */
  prune(cutoffUs: number): void {
    for (const [id, t] of this.ids) {
      if (t > cutoffUs) break;
      this.ids.delete(id);
    }
  }

  exportState(): [string, number][] {
    return [...this.ids];
  }

  importState(state: unknown): void {
    for (const row of expectArray(state, 'dedup')) {
      const [id, t] = expectArray(row, 'dedup entry');
      this.ids.set(expectString(id, 'id'), expectNumber(t, 'time'));
    }
  }
}
