/**
 * `x-suppress`: after an alert for a key (the values of `by`), further
 * matches for that key within `for` of the alert (event time) are counted on
 * the open alert instead of raising new ones. Nothing is dropped: every
 * suppressed match is reported with the running count, so the stored alert
 * can show it.
 */
import { GroupMap } from './group-map.js';
import { expectArray, expectNumber, expectString } from './windows/window.js';

export interface OpenAlert {
  readonly alertKey: string;
  readonly startUs: number;
  readonly untilUs: number;
  suppressed: number;
}

export class Suppressor {
  private readonly open: GroupMap<OpenAlert>;

  constructor(
    private readonly forUs: number,
    maxGroups: number,
    onEvict: () => void,
  ) {
    this.open = new GroupMap(maxGroups, onEvict);
  }

  /** The open alert this match is suppressed into, or undefined after recording `alertKey` as the new open alert. */
  check(key: string, timeUs: number, alertKey: string): OpenAlert | undefined {
    const cur = this.open.get(key);
    if (cur !== undefined && timeUs < cur.untilUs) {
      cur.suppressed++;
      return cur;
    }
    const fresh: OpenAlert = { alertKey, startUs: timeUs, untilUs: timeUs + this.forUs, suppressed: 0 };
    this.open.delete(key);
    this.open.use(key, () => fresh);
    return undefined;
  }

  prune(cutoffUs: number): void {
    for (const [key, a] of this.open.entries()) if (a.untilUs <= cutoffUs) this.open.delete(key);
  }

  exportState(): unknown {
    return [...this.open.entries()].map(([key, a]) => [key, a.alertKey, a.startUs, a.suppressed]);
  }

  importState(state: unknown): void {
    for (const row of expectArray(state, 'suppression')) {
      const [key, alertKey, start, suppressed] = expectArray(row, 'open alert');
      const startUs = expectNumber(start, 'start');
      this.open.restore(expectString(key, 'key'), {
        alertKey: expectString(alertKey, 'alert key'),
        startUs,
        untilUs: startUs + this.forUs,
        suppressed: expectNumber(suppressed, 'suppressed'),
      });
    }
  }
}
