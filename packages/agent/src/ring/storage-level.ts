/**
 * When to record `log_storage_low`: each time the share of the ring held by
 * unacknowledged records rises through a threshold (80 % and 95 % by
 * default). A threshold fires once, then re-arms only after the share has
 * fallen below it by the hysteresis, so a ring hovering at 80 % does not
 * log a warning per event.
 */
export class StorageLevelWatch {
  readonly #thresholds: readonly number[];
  readonly #hysteresis: number;
  readonly #armed: boolean[];

  /** `thresholds` as shares of the capacity (0–1), e.g. PROFILES.low.storageWarnPct divided by 100. */
  constructor(thresholds: readonly number[] = [0.8, 0.95], hysteresis = 0.05) {
    this.#thresholds = [...thresholds].sort((a, b) => a - b);
    this.#hysteresis = hysteresis;
    this.#armed = this.#thresholds.map(() => true);
  }

  /** The highest threshold that `share` has newly risen through, or null. */
  update(share: number): number | null {
    let fired: number | null = null;
    this.#thresholds.forEach((t, i) => {
      if (share >= t && this.#armed[i]) {
        this.#armed[i] = false;
        fired = t;
      } else if (share < t - this.#hysteresis) {
        this.#armed[i] = true;
      }
    });
    return fired;
  }
}
