/**
 * Runs the detection engine over the integrated stream, in leaf order, and
 * keeps what it raises.
 *
 * Flow per integrated chunk (the integrator's onIntegrated, right after the
 * leaves are durable): parse each record, push it with its leaf index and
 * receive time, gather the outputs, and write them in ONE transaction (new
 * alerts by their UNIQUE key, suppressed counts, log positions of `alert`
 * records met). Then, outside the transaction: hand the new alerts to
 * `onAlertStored` (the notifier) and append their `alert` records to the
 * collector's own stream. A timer drives `sweep(now)` for absence rules and
 * anchored windows; another saves the engine state.
 *
 * Restart (docs/alerts.md): the saved row holds the engine's exported state
 * and `nextLeaf`, the first leaf it has not evaluated; everything before it
 * has its outputs stored, because a chunk's outputs are written before the
 * next chunk is read and the state is saved only between chunks. On open the
 * engine is rebuilt from that state and the leaves from `nextLeaf` to the
 * tree size are replayed from the store: alerts raised after the save are
 * raised again with the same keys and the UNIQUE key keeps one of each.
 * What was stored but not yet handed over (no `alert` record in the log, not
 * notified) is found by the rows' `log_pos` and `notified` columns and
 * handed over again. An `alert` record met while replaying marks its row, so
 * a record committed just before a crash is not appended twice.
 *
 * The collector's own `alert` records are not evaluated: a rule matching
 * them (say, any high-severity record) would raise an alert per alert, for
 * ever.
 *
 * If writing the outputs fails, the service stops evaluating (the engine is
 * ahead of the store) and the next timer tick rebuilds it from the saved
 * state and replays, which re-raises whatever was lost.
 */
import type { SecurityEvent } from '@seclog/core';
import { isSeclogError } from '@seclog/core';
import { createDetectionEngine, type DetectionEngine, type EngineOptions, type EngineState } from '@seclog/detect';
import { COLLECTOR_DEVICE_ID, type OwnStream } from '../ingest/own-stream.js';
import type { Integrator } from '../integrate/integrator.js';
import type { AlertStore, StoredAlert } from '../store/alert-types.js';
import type { Store, StoredEvent } from '../store/types.js';
import { alertEventOf } from './alert-record.js';
import { OutputBatch } from './output-batch.js';
import type { RuleLibrary } from './rule-library.js';

export interface DetectionTiming {
  /** config detect.sweepIntervalMs */
  readonly sweepIntervalMs: number;
  /** config detect.allowedLatenessMs */
  readonly allowedLatenessMs: number;
  /** config detect.stateSaveIntervalMs */
  readonly stateSaveIntervalMs: number;
}

export interface DetectionServiceOptions extends DetectionTiming {
  readonly store: Store;
  readonly integrator: Integrator;
  readonly own: OwnStream;
  readonly rules: RuleLibrary;
  /**
   * Called once per stored alert, right after it is stored (the notifier's enqueue). When it returns, the alert
   * counts as handed over; when it throws, or the collector stops first, it is called again after the next start.
   */
  readonly onAlertStored?: (alert: StoredAlert) => void;
  /** Wall clock in ms (tests); default Date.now. */
  readonly now?: () => number;
  /**
   * Open without evaluating (a collector that does not hold the integrator lease): nothing is
   * restored, replayed, swept or saved until activate().
   */
  readonly standby?: boolean;
}

export interface DetectionStats {
  /** Records pushed through the engine (replays included). */
  evaluated: number;
  /** Alerts stored for the first time. */
  alerts: number;
  /** Alerts raised again whose key was stored already (replays). */
  repeats: number;
  /** Matches counted on open alerts (x-suppress). */
  suppressed: number;
  late: number;
  capacity: number;
  /** Records the engine refused (bad time), skipped. */
  refused: number;
  stateSaves: number;
  /** Rebuilds from the saved state after a failed write. */
  recoveries: number;
}

/** Records read from the store per replay step (bounds memory). */
const REPLAY_CHUNK = 2000;
/** Alerts per `alert` append and per hand-over retry. */
const HANDOVER_CHUNK = 500;

/** standby: a collector without the integrator lease; another node evaluates. */
type Mode = 'running' | 'failed' | 'standby' | 'closed';

export class DetectionService {
  readonly rules: RuleLibrary;
  readonly stats: DetectionStats = {
    evaluated: 0,
    alerts: 0,
    repeats: 0,
    suppressed: 0,
    late: 0,
    capacity: 0,
    refused: 0,
    stateSaves: 0,
    recoveries: 0,
  };
  readonly #opts: DetectionServiceOptions;
  readonly #store: Store;
  readonly #alerts: AlertStore;
  readonly #engineOptions: EngineOptions;
  readonly #now: () => number;
  #engine!: DetectionEngine;
  #next = 0;
  #mode: Mode = 'failed';
  #unsubscribe: (() => void) | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #saveTimer: NodeJS.Timeout | undefined;
  /** Alert ids whose `alert` record is being appended, and the append. */
  readonly #logging = new Map<string, Promise<void>>();
  readonly #warned = new Set<string>();

  private constructor(opts: DetectionServiceOptions) {
    this.#opts = opts;
    this.rules = opts.rules;
    this.#store = opts.store;
    this.#alerts = opts.store.alerts();
    this.#engineOptions = { allowedLatenessUs: opts.allowedLatenessMs * 1000 };
    this.#now = opts.now ?? Date.now;
  }

  /** Restores the engine, replays what it has not seen, then follows the integrator. */
  static async open(opts: DetectionServiceOptions): Promise<DetectionService> {
    const s = new DetectionService(opts);
    s.#unsubscribe = opts.integrator.onIntegrated((first, events) => s.#onIntegrated(first, events));
    s.#sweepTimer = setInterval(() => s.#tick(), opts.sweepIntervalMs).unref();
    s.#saveTimer = setInterval(() => s.#periodic(), opts.stateSaveIntervalMs).unref();
    s.#mode = 'standby';
    if (opts.standby !== true) await s.activate();
    return s;
  }

  /**
   * Starts evaluating from the saved state (after open, or when this collector takes the
   * integrator lease): the leaves after the saved one are replayed, so alerts the previous
   * evaluator raised after its last save are raised again with the same keys and stored once.
   */
  async activate(): Promise<void> {
    if (this.#mode !== 'standby') return;
    try {
      // Rules may have been changed through another collector on the same database.
      this.#opts.rules.reload(this.#alerts);
      this.#restore();
    } catch (err) {
      // The sweep timer retries from the saved state (#tick).
      this.#fail(err);
      throw err;
    }
    this.#handOver(this.#alerts.listUnnotifiedAlerts(HANDOVER_CHUNK));
    await this.#logPending();
  }

  /** Stops evaluating without saving (the lease went to another node, which saves from now on). */
  standBy(): void {
    if (this.#mode === 'running' || this.#mode === 'failed') this.#mode = 'standby';
  }

  /** The first leaf not evaluated yet. */
  get nextLeaf(): number {
    return this.#next;
  }

  get running(): boolean {
    return this.#mode === 'running';
  }

  /** The engine's own counters (events, late, duplicates, evictions …). */
  engineStats(): Readonly<Record<string, number>> {
    return { ...this.#engine.stats };
  }

  /** Rebuilds the engine for the library's current rules, carrying the state; called after every rule change. */
  rulesChanged(): void {
    if (this.#mode !== 'running') return;
    const state = this.#engine.exportState();
    this.#engine = createDetectionEngine(this.#opts.rules.ruleSet(), { ...this.#engineOptions, state });
    // Saved now, so a replay after a restart does not evaluate leaves before the change with the new rules.
    this.saveState();
  }

  /** Runs a sweep now (the timer does it every sweepIntervalMs). */
  sweep(): void {
    if (this.#mode !== 'running') return;
    try {
      const batch = this.#batch();
      batch.add(this.#engine.sweep(this.#now() * 1000), undefined);
      this.#commit(batch);
    } catch (err) {
      this.#fail(err);
    }
  }

  /** Saves the engine state with the next leaf (the timer does it every stateSaveIntervalMs). */
  saveState(): void {
    if (this.#mode !== 'running') return;
    const state = JSON.stringify(this.#engine.exportState());
    this.#alerts.putDetectState({ nextLeaf: this.#next, state, savedUs: this.#now() * 1000 });
    this.stats.stateSaves++;
  }

  /** Stops the timers, waits for the `alert` appends in flight, saves the state. */
  async close(): Promise<void> {
    if (this.#mode === 'closed') return;
    clearInterval(this.#sweepTimer);
    clearInterval(this.#saveTimer);
    // Appends commit, get integrated and may raise more alerts (from records committed with them): wait them all out.
    for (let i = 0; i < 10 && this.#logging.size > 0; i++) await Promise.allSettled([...this.#logging.values()]);
    try {
      this.saveState();
    } catch (err) {
      this.#warn('save', err);
    }
    this.#unsubscribe?.();
    this.#mode = 'closed';
  }

  #restore(): void {
    const saved = this.#alerts.getDetectState();
    let state: EngineState | undefined;
    if (saved !== undefined) {
      try {
        state = JSON.parse(saved.state) as EngineState;
      } catch (err) {
        this.#warn('state', err);
      }
    }
    const rules = this.#opts.rules.ruleSet();
    try {
      this.#engine = createDetectionEngine(rules, { ...this.#engineOptions, ...(state === undefined ? {} : { state }) });
    } catch (err) {
      if (!isSeclogError(err, 'DETECT_STATE_INVALID')) throw err;
      // Windows start empty; alert keys still keep the replay from storing an alert twice.
      this.#warn('state', err);
      this.#engine = createDetectionEngine(rules, this.#engineOptions);
    }
    // Never run before: start with the records that arrive from now on (docs/alerts.md).
    this.#next = saved?.nextLeaf ?? this.#opts.integrator.size;
    this.#mode = 'running';
    this.#catchUp(this.#opts.integrator.size);
    if (saved === undefined) this.saveState();
  }

  #onIntegrated(first: number, events: readonly StoredEvent[]): void {
    if (this.#mode !== 'running' || first + events.length <= this.#next) return;
    try {
      if (first > this.#next) this.#catchUp(first);
      this.#process(events, this.#next - first);
    } catch (err) {
      this.#fail(err);
    }
  }

  /** Evaluates the stored leaves [next, to). */
  #catchUp(to: number): void {
    while (this.#next < to) {
      const events = this.#store.readEvents(this.#next, Math.min(to, this.#next + REPLAY_CHUNK));
      if (events.length === 0) return;
      this.#process(events, 0);
    }
  }

  #process(events: readonly StoredEvent[], offset: number): void {
    const batch = this.#batch();
    for (let i = offset; i < events.length; i++) {
      const e = events[i]!;
      // A payload retention removed (a catch-up over a long outage can reach one) has nothing to evaluate.
      if (e.canonical.length === 0) continue;
      // The committed record itself when the integrator has it (the same value as the stored text).
      const record = e.parsed ?? (JSON.parse(e.canonical) as SecurityEvent);
      if (e.device === COLLECTOR_DEVICE_ID && record.name === 'alert') {
        const id = record.attrs.alert_id;
        if (typeof id === 'string') batch.logged.push([id, e.pos]);
      } else {
        this.stats.evaluated++;
        try {
          batch.add(this.#engine.push(record, e.pos, e.receivedUs), record);
        } catch (err) {
          if (!isSeclogError(err, 'DETECT_INPUT_INVALID')) throw err;
          this.stats.refused++;
          this.#warn('input', err);
        }
      }
      this.#next = e.pos + 1;
    }
    this.#commit(batch);
  }

  #batch(): OutputBatch {
    return new OutputBatch(this.#now() * 1000, this.stats, (o) =>
      this.#warn(`capacity:${o.ruleId}:${o.what}`, new Error(`detection rule ${o.ruleId} reached its ${o.what} bound (${o.limit})`)),
    );
  }

  #commit(batch: OutputBatch): void {
    if (batch.empty) return;
    const suppressions = [...batch.suppressions.values()];
    const inserted = this.#store.transaction(() => {
      const ids = this.#alerts.insertAlerts(batch.alerts);
      this.#alerts.addSuppressed(suppressions);
      for (const [id, pos] of batch.logged) this.#alerts.setAlertLogPos(id, pos);
      return ids;
    });
    this.stats.alerts += inserted.length;
    this.stats.repeats += batch.alerts.length - inserted.length;
    if (inserted.length === 0) return;
    const rows = inserted.map((id) => this.#alerts.getAlert(id)!);
    this.#handOver(rows);
    this.#log(rows);
  }

  #handOver(rows: readonly StoredAlert[]): void {
    const cb = this.#opts.onAlertStored;
    if (cb === undefined || rows.length === 0) return;
    const done: string[] = [];
    for (const r of rows) {
      try {
        cb(r);
        done.push(r.id);
      } catch (err) {
        this.#warn('notify', err);
      }
    }
    this.#alerts.markAlertsNotified(done);
  }

  /** Appends the `alert` records of stored alerts (skipping those in flight) and notes their leaf positions. */
  #log(rows: readonly StoredAlert[]): void {
    const todo = rows.filter((r) => !this.#logging.has(r.id));
    for (let i = 0; i < todo.length; i += HANDOVER_CHUNK) {
      const part = todo.slice(i, i + HANDOVER_CHUNK);
      const done = this.#opts.own
        .append(...part.map(alertEventOf))
        .then((positions) => {
          this.#store.transaction(() => {
            for (let k = 0; k < part.length; k++) this.#alerts.setAlertLogPos(part[k]!.id, positions[k]!);
          });
        })
        .catch((err: unknown) => this.#warn('log', err))
        .finally(() => {
          for (const r of part) this.#logging.delete(r.id);
        });
      for (const r of part) this.#logging.set(r.id, done);
    }
  }

  /** Alerts stored without their `alert` record (a crash or a failed append): append them now. */
  async #logPending(): Promise<void> {
    this.#log(this.#alerts.listUnloggedAlerts(HANDOVER_CHUNK));
    await Promise.allSettled([...this.#logging.values()]);
  }

  #tick(): void {
    if (this.#mode === 'failed') {
      try {
        this.stats.recoveries++;
        this.#restore();
      } catch (err) {
        this.#mode = 'failed';
        this.#warn('restore', err);
        return;
      }
    }
    this.sweep();
  }

  #periodic(): void {
    if (this.#mode !== 'running') return;
    try {
      // A rule change made through another collector on the same database reaches this engine here.
      if (this.#opts.rules.reload(this.#alerts)) this.rulesChanged();
      this.saveState();
      this.#handOver(this.#alerts.listUnnotifiedAlerts(HANDOVER_CHUNK));
      this.#log(this.#alerts.listUnloggedAlerts(HANDOVER_CHUNK));
    } catch (err) {
      this.#warn('save', err);
    }
  }

  #fail(err: unknown): void {
    this.#mode = 'failed';
    this.#warn('process', err);
  }

  /** A process warning, once per kind: a failing store or notifier must not flood the collector's log. */
  #warn(kind: string, err: unknown): void {
    const base = kind.split(':')[0]!;
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    const e = err instanceof Error ? err : new Error(String(err));
    process.emitWarning(`detection (${base}): ${e.message}`, { code: 'SECLOG_DETECT' });
  }
}
