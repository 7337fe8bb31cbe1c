/**
 * What one run of the engine (an integrated chunk, a replay chunk, a sweep)
 * produced, gathered so it is written in ONE store transaction: new alerts,
 * the latest suppressed count per open alert, and the log positions of
 * `alert` records seen in the stream.
 */
import type { SecurityEvent } from '@seclog/core';
import type { EngineOutput } from '@seclog/detect';
import type { AlertSuppression, NewAlert } from '../store/alert-types.js';
import { newAlertOf } from './alert-record.js';

export interface OutputCounts {
  suppressed: number;
  late: number;
  capacity: number;
}

export class OutputBatch {
  readonly alerts: NewAlert[] = [];
  readonly suppressions = new Map<string, AlertSuppression>();
  /** [alert id, leaf index] of `alert` records met in the stream. */
  readonly logged: [string, number][] = [];
  readonly #nowUs: number;
  readonly #counts: OutputCounts;
  readonly #onCapacity: (o: Extract<EngineOutput, { kind: 'capacity' }>) => void;

  constructor(nowUs: number, counts: OutputCounts, onCapacity: (o: Extract<EngineOutput, { kind: 'capacity' }>) => void) {
    this.#nowUs = nowUs;
    this.#counts = counts;
    this.#onCapacity = onCapacity;
  }

  get empty(): boolean {
    return this.alerts.length === 0 && this.suppressions.size === 0 && this.logged.length === 0;
  }

  /** `trigger`: the event the engine was evaluating (undefined for a sweep). */
  add(outputs: readonly EngineOutput[], trigger: SecurityEvent | undefined): void {
    for (const o of outputs) {
      if (o.kind === 'alert') this.alerts.push(newAlertOf(o.alert, trigger, this.#nowUs));
      else if (o.kind === 'suppressed') {
        this.#counts.suppressed++;
        const prev = this.suppressions.get(o.alertKey);
        if (prev === undefined || prev.total < o.suppressed)
          this.suppressions.set(o.alertKey, { key: o.alertKey, total: o.suppressed, atUs: this.#nowUs });
      } else if (o.kind === 'late') this.#counts.late++;
      else {
        this.#counts.capacity++;
        this.#onCapacity(o);
      }
    }
  }
}
