/**
 * SecurityLogger: what a product calls. It ties the parts together:
 *
 *   log.event(name, fields) / log.loginFailed({…})
 *     → RecordWriter: validate, seal when due, chain, append to the ring
 *     → durability by class: critical events are fsynced (group commit)
 *       before the promise resolves; the rest within 100 ms
 *     → the shipper reads durable records from the ring (RingShipSource)
 *       and the collector's acknowledgements move the ring's mark
 *
 * and records what happens to the log itself: overwritten records
 * (`log_dropped`, via the DropLedger), storage thresholds
 * (`log_storage_low`), damage (`log_store_corrupt`), clock steps and sync
 * (`time_change`, `time_sync`), and the shipper's security reports
 * (ship/reports.ts). The network never reaches product code: shipping runs
 * on its own and reports; only programmer errors throw, at once.
 */
import type { EventInput, Severity } from '@seclog/core';
import { Sealer, SeclogError, streamStartAttrs } from '@seclog/core';
import type { TypedEvents } from '../api/event-methods.generated.js';
import { installTypedEvents } from '../api/typed-methods.js';
import { type EventClass, eventClass, shipsAtOnce } from '../policy/event-class.js';
import { type ChangedBy, isEventEnabled, optIn, optOut } from '../policy/opt-out.js';
import { RingStore } from '../ring/ring-store.js';
import { StorageLevelWatch } from '../ring/storage-level.js';
import { resolveShipperOptions, type ShipperOptions } from '../ship/options.js';
import { type ShipReport, shipReportEvent } from '../ship/reports.js';
import { Shipper } from '../ship/shipper.js';
import type { ShipSource } from '../ship/source.js';
import { TimeQualityTracker } from '../time/time-quality-tracker.js';
import type { SeqRun } from './drop-ledger.js';
import { type LoggerConfig, type ResolvedLoggerConfig, resolveLoggerConfig } from './logger-config.js';
import { encodeState, type LoggerState } from './logger-state.js';
import type { CloseOptions, LoggerStatus, Receipt } from './logger-types.js';
import { LossReporter } from './loss-reporter.js';
import { corruptEvent, droppedEvent, type OwnEvent, recoveryEvents, storageLowEvent } from './own-events.js';
import { RecordWriter } from './record-writer.js';
import { RingShipSource } from './ring-source.js';
import { bootId, monoClock, StampClock } from './stamp-clock.js';
import { type Resumed, resumeStream } from './stream-resume.js';

/** flush() rounds of describing overwritten records and shipping them (two suffice unless the ring is tiny). */
const FLUSH_ROUNDS = 4;
/** setTimeout's limit; a longer epoch is re-armed when the timer fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function shipperOptions(cfg: ResolvedLoggerConfig, source: ShipSource): ShipperOptions {
  return { ...cfg.ship, url: cfg.collector, device: cfg.device, token: cfg.token, source, profile: cfg.profile };
}

/** Stands in for the ring while the shipper's options are checked, before the ring is opened. */
const NO_SOURCE: ShipSource = {
  stream: '-',
  readFrom: () => [],
  lastSeq: () => 0,
  ackedSeq: () => 0,
  markAcked: () => undefined,
  onAppend: () => undefined,
};

function closedError(what: string): SeclogError {
  return new SeclogError('AGENT_LOGGER_CLOSED', `${what}: the logger is closed`, {});
}

function warn(what: string, err: unknown): void {
  process.emitWarning(`seclog logger: ${what}: ${err instanceof Error ? err.message : String(err)}`, { code: 'SECLOG_LOGGER' });
}

class SecurityLoggerBase {
  readonly #cfg: ResolvedLoggerConfig;
  readonly #ring: RingStore;
  readonly #writer: RecordWriter;
  readonly #source: RingShipSource;
  readonly #shipper: Shipper;
  readonly #tracker: TimeQualityTracker;
  readonly #losses: LossReporter;
  readonly #storage: StorageLevelWatch;
  readonly #classes = new Map<string, EventClass>();
  readonly #storageCheckBytes: number;
  #state: LoggerState;
  #disabled: ReadonlySet<string>;

  #busy = false;
  /** The last syncSoon() promise a handler was attached to. */
  #soon: Promise<void> | undefined;
  /** The last setStateSoon (a seal's evolved key); awaited by critical events and flush() while the ring says it is pending. */
  #stateWrite: Promise<void> = Promise.resolve();
  #watching = false;
  #urgentSeq = 0;
  #urgentNotified = 0;
  #epochTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;

  /**
   * Open the logger on the device file's configuration plus local options
   * (docs/agent.md "Configuration"). Opens (or creates) the ring, continues
   * its stream or starts a new one, seals epochs missed while the device was
   * off, records what the ring's recovery found, and starts shipping and
   * time tracking. Throws for an invalid configuration or a ring file that
   * cannot be opened; never for damage inside the ring.
   */
  static async open(config: LoggerConfig): Promise<SecurityLogger> {
    const cfg = resolveLoggerConfig(config);
    // Every part checks its options before the ring file is touched.
    const tracker = new TimeQualityTracker({ ...cfg.time, now: cfg.now });
    resolveShipperOptions(shipperOptions(cfg, NO_SOURCE));
    const ring = RingStore.open({ path: cfg.storePath, capacityBytes: cfg.capacityBytes, inlineSyncMaxMs: cfg.inlineSyncMaxMs });
    let logger: SecurityLoggerBase;
    try {
      const resumed = resumeStream(ring, cfg, cfg.now());
      logger = new SecurityLoggerBase(cfg, ring, tracker, resumed);
      logger.#start(resumed);
    } catch (err) {
      await ring.close().catch(() => ring.abandon());
      throw err;
    }
    return logger as SecurityLogger;
  }

  private constructor(cfg: ResolvedLoggerConfig, ring: RingStore, tracker: TimeQualityTracker, r: Resumed) {
    this.#cfg = cfg;
    this.#ring = ring;
    this.#tracker = tracker;
    this.#state = r.state;
    this.#disabled = new Set(r.state.disabled);
    this.#storage = new StorageLevelWatch(cfg.profile.storageWarnPct.map((p) => p / 100));
    this.#storageCheckBytes = Math.max(1024, Math.floor(ring.stats().capacityBytes / 256));
    this.#losses = new LossReporter(
      (ev) => this.#recordOwn(ev),
      cfg.dropReportMs,
      () => this.#source.inFlight(),
    );
    const sealer = r.state.sealer === null ? undefined : new Sealer(r.state.sealer);
    const device = Object.freeze({
      id: cfg.device,
      ...(cfg.fw === undefined ? {} : { fw: cfg.fw }),
      ...(cfg.model === undefined ? {} : { model: cfg.model }),
    });
    this.#writer = new RecordWriter({
      ring,
      head: r.head,
      clock: new StampClock(cfg.now, r.floorMs),
      boot: bootId(),
      mono: monoClock(),
      device,
      redaction: { ...cfg.redaction, salt: Buffer.from(r.state.salt, 'hex') },
      tq: () => tracker.tq(),
      sealer,
      onDropped: (d) => this.#losses.overwritten(d),
      onSealed: () => this.#persistSoon(),
    });
    this.#source = new RingShipSource(ring, r.head.stream, {
      onCorrupt: (ranges) => {
        for (const c of ranges) this.#recordOwn(corruptEvent(c, this.#ring.stats().capacityBytes));
      },
      onAcked: (seq, delivered) => this.#onAcked(seq, delivered),
    });
    this.#shipper = new Shipper({ ...shipperOptions(cfg, this.#source), onReport: (rep) => this.#onShipReport(rep) });
    installTypedEvents(this, function (this: SecurityLoggerBase, name: string, input: EventInput) {
      return this.event(name, input);
    });
  }

  /** First writes of this life: the stream start, what the ring's recovery found, missed seals; then the timers. */
  #start(r: Resumed): void {
    const w = this.#writer;
    const rec = this.#ring.recovery;
    if (r.start !== undefined) {
      const s = r.start;
      const severity: Severity = s.reason === 'first_start' ? 'low' : 'medium';
      // ring_capacity lets the collector compute how long an unshipped record survives here (docs/retention.md "Device horizons").
      const attrs = { ...streamStartAttrs(s.reason, s.previous), ring_capacity: this.#ring.stats().capacityBytes };
      w.write('stream_start', { severity, attrs, message: `new stream: ${s.why}` });
      if (s.dropped !== null) {
        const range = { from: s.dropped.fromSeq, to: s.dropped.toSeq, count: s.dropped.count };
        const reason = s.reason === 'reenrolled' ? 'other' : 'storage_error';
        this.#recordOwn(
          droppedEvent(range, reason, 'were discarded with their stream; they were not known to be acknowledged', s.oldStream),
        );
      }
      this.#persist(true);
    } else {
      if (r.sealsReplayed > 0) this.#persist(true);
      this.#losses.rebuild(this.#ring, this.#ring.stats().ackedSeq, w.seq, rec.overwritten);
    }
    // Damage found in a stream that was then given up names that stream: its seqs are not this one's.
    const damaged = r.start?.oldStream;
    for (const ev of recoveryEvents(rec, damaged)) this.#recordOwn(ev);
    for (const c of r.corrupt) this.#recordOwn(corruptEvent(c, rec.capacityBytes, damaged));
    w.sealIfDue();
    this.#armEpochTimer();
    this.#tracker.onEvent((name, input) => {
      if (!isEventEnabled(this.#disabled, name)) return;
      this.#recordOwn({ name, input });
    });
    this.#tracker.start();
    this.#shipper.start();
    this.#noteAppended(w.seq, false);
  }

  // ---- the product's calls -------------------------------------------------------------------

  /**
   * Record catalogue event `name`. Throws at once for programmer errors
   * (EVENT_UNKNOWN_NAME; EVENT_INVALID with `details.errors` as
   * `{path, rule, message}`; AGENT_LOGGER_CLOSED). Resolves when the record
   * is in the ring: for critical events after its fsync, for the rest at
   * once (their fsync follows within 100 ms). An event the user switched
   * off resolves with `recorded: false`.
   */
  event(name: string, input: EventInput = {}): Promise<Receipt> {
    if (this.#closing !== undefined) throw closedError(`cannot log ${name}`);
    const cls = this.#classOf(name);
    if (cls.loggerOwn || cls.collectorOnly) {
      const message = cls.loggerOwn ? 'is written by the logger itself' : 'is recorded by the collector, never by a device';
      throw new SeclogError('EVENT_INVALID', `${name} ${message}`, { errors: [{ path: 'name', rule: 'catalogue', message }] });
    }
    const stream = this.#writer.stream;
    if (this.#disabled.size > 0 && !isEventEnabled(this.#disabled, name))
      return Promise.resolve({ recorded: false, seq: 0, id: '', stream });
    const rec = this.#writer.write(name, input);
    const receipt: Receipt = { recorded: true, seq: rec.seq, id: rec.id, stream };
    this.#noteAppended(rec.seq, shipsAtOnce(this.#cfg.profile, cls, rec.severity));
    this.#afterAppend();
    if (cls.critical) {
      const durable = this.#ring.durable(rec.seq);
      // A seal's key evolution still on its way to the slots: a critical event resolves after it too.
      return (this.#ring.statePending ? Promise.all([durable, this.#stateWrite]) : durable).then(() => receipt);
    }
    // Pending soon() calls share one promise (group-commit.ts): one handler for all of them.
    const soon = this.#ring.syncSoon(rec.seq);
    if (soon !== this.#soon) {
      this.#soon = soon;
      soon.catch(this.#onSyncFailed);
    }
    return Promise.resolve(receipt);
  }

  /**
   * Resolves when every record logged before the call is acknowledged by
   * the collector (it ships at once, whatever the profile's schedule).
   * `timeoutMs` rejects with AGENT_FLUSH_TIMEOUT; nothing is lost then.
   */
  async flush(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closing !== undefined) throw closedError('cannot flush');
    // Describing overwritten records may overwrite more while nothing is acknowledged; once the collector
    // has acknowledged, the ring overwrites acknowledged records first, so this settles in a round or two.
    for (let round = 0; round < FLUSH_ROUNDS; round++) {
      this.#losses.report(true);
      await this.#ring.durable(this.#writer.seq);
      if (this.#ring.statePending) await this.#stateWrite;
      this.#source.notify(this.#ring.stats().durableSeq, false);
      await this.#shipper.flush(options);
      if (!this.#losses.hasPending) return;
    }
  }

  /**
   * Stop: seal the open epoch (unless `sealOnClose` is false), give a batch
   * in flight `graceMs` to be answered, make the ring durable and close it.
   * What was not acknowledged stays in the ring and ships after the next
   * open. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options);
    return this.#closing;
  }

  /**
   * Switch optional events off (the CRA opt-out): event or group names.
   * Mandatory events cannot be (AGENT_EVENT_MANDATORY, nothing changes).
   * Each change is recorded as `log_config_change` and made durable, with
   * the setting, before this resolves. Returns the events now switched off.
   */
  async optOut(selectors: readonly string[], by?: ChangedBy): Promise<readonly string[]> {
    return this.#changeOptOut(optOut(this.#disabled, selectors, by));
  }

  /** Switch events back on; recorded as `log_config_change` with `opt_out: false`. */
  async optIn(selectors: readonly string[], by?: ChangedBy): Promise<readonly string[]> {
    return this.#changeOptOut(optIn(this.#disabled, selectors, by));
  }

  status(): LoggerStatus {
    return {
      stream: this.#writer.stream,
      lastSeq: this.#writer.seq,
      sealEpoch: this.#writer.sealer?.epoch ?? null,
      disabled: [...this.#disabled],
      undescribedDrops: this.#losses.pendingCount,
      ring: this.#closed ? null : this.#ring.stats(),
      ship: this.#shipper.status(),
      time: this.#tracker.status(),
    };
  }

  async #changeOptOut(r: { disabled: ReadonlySet<string>; events: OwnEvent[] }): Promise<readonly string[]> {
    if (this.#closing !== undefined) throw closedError('cannot change the opt-out');
    let last = 0;
    for (const e of r.events) last = this.#writer.write(e.name, e.input).seq;
    this.#disabled = new Set(r.disabled);
    this.#persist(false);
    if (last > 0) this.#noteAppended(last, shipsAtOnce(this.#cfg.profile, this.#classOf('log_config_change'), 'medium'));
    this.#afterAppend();
    return [...this.#disabled];
  }

  // ---- the logger's own records -------------------------------------------------------------

  /** Record an event of the logger's own; never throws (a failure is a process warning). Returns its seq, 0 on failure. */
  #recordOwn(ev: OwnEvent): number {
    if (this.#closed) return 0;
    try {
      const rec = this.#writer.write(ev.name, ev.input);
      const cls = this.#classOf(ev.name);
      (cls.critical ? this.#ring.durable(rec.seq) : this.#ring.syncSoon(rec.seq)).catch(this.#onSyncFailed);
      this.#noteAppended(rec.seq, shipsAtOnce(this.#cfg.profile, cls, rec.severity));
      this.#afterAppend();
      return rec.seq;
    } catch (err) {
      warn(`could not record ${ev.name}`, err);
      return 0;
    }
  }

  /** Work that follows an append: describe overwritten records, check the storage level. Not re-entered. */
  #afterAppend(): void {
    if (this.#busy) return;
    this.#busy = true;
    try {
      this.#losses.report(false);
      if (this.#writer.appendedBytes >= this.#storageCheckBytes) this.#checkStorage();
    } finally {
      this.#busy = false;
    }
  }

  #checkStorage(): void {
    this.#writer.appendedBytes = 0;
    const s = this.#ring.stats();
    const fired = this.#storage.update(s.unackedShare);
    if (fired !== null) this.#recordOwn(storageLowEvent(fired, s));
  }

  #onAcked(seq: number, delivered: readonly SeqRun[]): void {
    this.#losses.acked(seq, delivered);
    // Re-arms the thresholds as the backlog drains.
    if (!this.#busy) this.#checkStorage();
  }

  #onShipReport(r: ShipReport): void {
    try {
      this.#cfg.onReport?.(r);
    } catch (err) {
      warn('the onReport handler threw', err);
    }
    const ev = shipReportEvent(r);
    if (ev !== undefined) this.#recordOwn(ev);
  }

  // ---- durability, shipping, timers ------------------------------------------------------------

  /** Tell the shipper about records once an fsync has made them durable (it only ships durable ones). */
  #noteAppended(seq: number, urgent: boolean): void {
    if (urgent && seq > this.#urgentSeq) this.#urgentSeq = seq;
    if (this.#watching || this.#closed) return;
    this.#watching = true;
    this.#ring.syncSoon(seq).then(this.#onDurable, this.#onDurableFailed);
  }

  readonly #onDurable = (): void => {
    this.#watching = false;
    if (this.#closed) return;
    const durable = this.#ring.stats().durableSeq;
    const urgent = this.#urgentSeq > this.#urgentNotified && this.#urgentSeq <= durable;
    if (urgent) this.#urgentNotified = this.#urgentSeq;
    this.#source.notify(durable, urgent);
    if (this.#writer.seq > durable) this.#noteAppended(this.#writer.seq, false);
  };

  readonly #onDurableFailed = (err: unknown): void => {
    this.#watching = false;
    if (!this.#closed) warn('an fsync of the ring failed', err);
  };

  readonly #onSyncFailed = (err: unknown): void => {
    if (!this.#closed) warn('an fsync of the ring failed', err);
  };

  /**
   * After a seal: the evolved key to the slots, the previous one overwritten
   * in both, without blocking the call that crossed the epoch (three fsyncs in
   * the thread pool, state-updates.ts, instead of three on this thread).
   */
  #persistSoon(): void {
    const write = this.#ring.setStateSoon(this.#refreshState(), { erase: true });
    this.#stateWrite = write;
    write.then(() => {
      if (!this.#closed) this.#source.notify(this.#ring.stats().durableSeq, false);
    }, this.#onSyncFailed);
  }

  /** Write the state (seal key, stream, opt-out) to the ring's slots; with `erase`, the previous key is overwritten in both. */
  #persist(erase: boolean): void {
    this.#ring.setState(this.#refreshState(), { erase });
    this.#source.notify(this.#ring.stats().durableSeq, false);
  }

  /** The state as it stands now (the sealer's current key, the opt-out), kept and encoded for the slots. */
  #refreshState(): Uint8Array {
    this.#state = { ...this.#state, sealer: this.#writer.sealer?.state() ?? null, disabled: [...this.#disabled] };
    return encodeState(this.#state);
  }

  /** Seal empty epochs too: a timer at the end of the open epoch. */
  #armEpochTimer(): void {
    const s = this.#writer.sealer;
    if (s === undefined || this.#closing !== undefined) return;
    clearTimeout(this.#epochTimer);
    const ms = Math.min(MAX_TIMER_MS, Math.max(0, s.epochEndMs() - this.#cfg.now()));
    this.#epochTimer = setTimeout(() => {
      try {
        this.#writer.sealIfDue();
        this.#afterAppend();
      } catch (err) {
        warn('sealing the epoch failed', err);
      }
      this.#armEpochTimer();
    }, ms + 1);
    this.#epochTimer.unref();
  }

  #classOf(name: string): EventClass {
    let c = this.#classes.get(name);
    if (c === undefined) {
      c = eventClass(name);
      this.#classes.set(name, c);
    }
    return c;
  }

  async #shutdown(options: CloseOptions): Promise<void> {
    clearTimeout(this.#epochTimer);
    await this.#tracker.stop();
    try {
      this.#losses.report(true, true);
      this.#losses.stop();
      if (this.#cfg.sealOnClose) this.#writer.sealEarly();
    } catch (err) {
      warn('the last seal failed', err);
    }
    await this.#shipper.close(options.graceMs === undefined ? {} : { graceMs: options.graceMs });
    this.#closed = true;
    await this.#ring.close();
    this.#writer.sealer?.erase();
  }
}

/** The logger: `SecurityLogger.open(config)`, `event()`, a typed method per catalogue event, `flush()`, `close()`. */
export type SecurityLogger = SecurityLoggerBase & TypedEvents<Promise<Receipt>>;
export const SecurityLogger = SecurityLoggerBase;
