/**
 * The agent's view of how far its wall clock can be trusted: polls the
 * configured SNTP servers, keeps the last combined measurement, watches the
 * wall clock against the monotonic one, and produces the `tq` object stamped
 * on every record. It never sets the clock: that is the operating system's
 * job; seclog measures and reports.
 *
 * Events go to listeners (the logger records them): `time_change` when the
 * wall clock is stepped, `time_sync` when sync is lost or (re)gained.
 * Diagnostics (every rejected packet, kiss-o'-death, falseticker) go to poll
 * listeners as data. Nothing here throws into product code after
 * construction; a listener that throws is reported as a process warning.
 *
 * Sync state: synced ⇔ a usable measurement exists, fewer than
 * maxFailedPolls polls in a row failed, the measurement is younger than
 * holdoverMs, and |offset| ≤ maxOffsetMs. It is re-evaluated after each poll,
 * each clock check and each jump, and `tq()` reports the evaluated state, so
 * no record contradicts the time_sync events around it. Only a fresh poll
 * can regain sync; a clock step can only lose it.
 */
import type { EventInput, TimeQuality } from '@seclog/core';
import { type ClockJump, ClockJumpDetector } from './clock-jump.js';
import { type OffsetSelection, selectOffset } from './select-offset.js';
import type { ServerAddress } from './sntp/server-address.js';
import { pollServer, type ServerPoll, type ServerPollOptions } from './sntp/sntp-poll.js';
import {
  type SyncLossReason,
  syncLostInput,
  syncRegainedInput,
  type TimeEventListener,
  type TimeEventName,
  timeChangeInput,
} from './time-events.js';
import { type ResolvedTimeOptions, resolveTimeOptions, type TimeSettings } from './time-options.js';

/** Polls a set of servers once; replaceable so tests and other transports need no network. */
export type SntpPoller = (servers: readonly ServerAddress[], opts: ServerPollOptions) => Promise<readonly ServerPoll[]>;

export interface TimeQualityOptions extends Partial<TimeSettings> {
  /** `host`, `host:port`, `[ipv6]:port`; an empty list disables polling (tq source `unknown`). */
  readonly servers: readonly string[];
  /** Wall clock, Unix ms (default Date.now). */
  readonly now?: () => number;
  /** Monotonic clock, ms (default performance.now). */
  readonly mono?: () => number;
  /** Uniform random in [0, 1) for jitter (default Math.random). */
  readonly random?: () => number;
  /** Replaces the UDP client (default: pollServer on each server in parallel). */
  readonly poller?: SntpPoller;
  readonly resolve?: ServerPollOptions['resolve'];
  readonly onEvent?: TimeEventListener;
  readonly onPoll?: PollListener;
}

export interface PollReport {
  /** Wall-clock time the poll started, Unix ms. */
  readonly startedAtMs: number;
  readonly servers: readonly ServerPoll[];
  /** Servers not asked this time, and why. */
  readonly skipped: readonly { readonly server: string; readonly why: 'dropped' | 'rate-limited' }[];
  readonly selection: OffsetSelection | { readonly kind: 'too-few-agreeing'; readonly agreeing: number; readonly required: number };
  /** The wall clock was stepped while the poll ran, so its result was discarded. */
  readonly discarded?: 'clock-stepped';
}
export type PollListener = (report: PollReport) => void;

export interface ServerStatus {
  readonly server: string;
  /** The kiss code (DENY, RSTR) that made us stop using this server until restart. */
  readonly dropped?: string;
  /** Poll this server only every pollMs × this (doubles per RATE kiss). */
  readonly rateFactor: number;
}

export interface TimeStatus {
  readonly synced: boolean;
  readonly offsetMs?: number;
  readonly errorMs?: number;
  readonly server?: string;
  readonly failedPolls: number;
  readonly servers: readonly ServerStatus[];
  readonly lastPoll?: PollReport;
}

interface Measurement {
  offsetMs: number;
  errorMs: number;
  atMono: number;
  server: string;
}

interface ServerState {
  readonly address: ServerAddress;
  dropped?: string;
  rateFactor: number;
  lastPolledMono: number;
}

/** RFC 4330 §8 asks to keep reducing the rate per RATE kiss; cap so a recovered server is asked again within a day. */
const MAX_RATE_FACTOR = 64;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

const defaultPoller: SntpPoller = (servers, opts) => Promise.all(servers.map((s) => pollServer(s, opts)));

export class TimeQualityTracker {
  readonly settings: ResolvedTimeOptions;
  readonly #now: () => number;
  readonly #mono: () => number;
  readonly #random: () => number;
  readonly #poller: SntpPoller;
  readonly #resolve: ServerPollOptions['resolve'];
  readonly #servers: ServerState[];
  readonly #jumps: ClockJumpDetector;
  readonly #eventListeners = new Set<TimeEventListener>();
  readonly #pollListeners = new Set<PollListener>();

  #measurement: Measurement | undefined;
  #synced = false;
  #failedPolls = 0;
  #unsyncedSinceMono: number;
  #lastPoll: PollReport | undefined;
  #lastPollMono = Number.NEGATIVE_INFINITY;
  /** Sum of all steps seen; a poll that sees it change was measured against two different clocks. */
  #steppedMs = 0;
  #running = false;
  #abort: AbortController | undefined;
  #inflight: Promise<PollReport> | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #checkTimer: NodeJS.Timeout | undefined;

  constructor(opts: TimeQualityOptions) {
    this.settings = resolveTimeOptions(opts.servers, opts);
    this.#now = opts.now ?? Date.now;
    this.#mono = opts.mono ?? (() => performance.now());
    this.#random = opts.random ?? Math.random;
    this.#poller = opts.poller ?? defaultPoller;
    this.#resolve = opts.resolve;
    this.#servers = this.settings.servers.map((address) => ({ address, rateFactor: 1, lastPolledMono: Number.NEGATIVE_INFINITY }));
    this.#jumps = new ClockJumpDetector(this.#now, this.#mono, this.settings.jumpThresholdMs);
    this.#unsyncedSinceMono = this.#mono();
    if (opts.onEvent) this.#eventListeners.add(opts.onEvent);
    if (opts.onPoll) this.#pollListeners.add(opts.onPoll);
  }

  /** The time quality to stamp on a record now. */
  tq(): TimeQuality {
    const m = this.#measurement;
    // Members in canonical (RFC 8785) order, as the record writer builds records: no reordering per event.
    if (this.#servers.length === 0) return { source: 'unknown', synced: false };
    if (!m) return { source: 'ntp', synced: false };
    const ageMs = Math.max(0, this.#mono() - m.atMono);
    const accuracy = Math.abs(m.offsetMs) + m.errorMs + ageMs * this.settings.driftPpm * 1e-6;
    return { accuracy_ms: round3(accuracy), offset_ms: round3(m.offsetMs), source: 'ntp', synced: this.#synced };
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** Subscribe to time_change / time_sync; returns the unsubscribe function. */
  onEvent(listener: TimeEventListener): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /** Subscribe to poll reports (diagnostics); returns the unsubscribe function. */
  onPoll(listener: PollListener): () => void {
    this.#pollListeners.add(listener);
    return () => this.#pollListeners.delete(listener);
  }

  status(): TimeStatus {
    const m = this.#measurement;
    const base = {
      synced: this.#synced,
      failedPolls: this.#failedPolls,
      servers: this.#servers.map((s) =>
        s.dropped === undefined
          ? { server: s.address.spec, rateFactor: s.rateFactor }
          : { server: s.address.spec, dropped: s.dropped, rateFactor: s.rateFactor },
      ),
    };
    return {
      ...base,
      ...(m ? { offsetMs: m.offsetMs, errorMs: m.errorMs, server: m.server } : {}),
      ...(this.#lastPoll ? { lastPoll: this.#lastPoll } : {}),
    };
  }

  /** Start polling and clock checks (timers are unref'd: they never keep the process alive). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.#checkTimer = setInterval(() => this.checkClock(), this.settings.jumpCheckMs);
    this.#checkTimer.unref();
    if (this.#servers.length > 0) this.#schedule(this.#random() * this.settings.startDelayMaxMs);
  }

  /** Stop timers and abandon a poll in flight; resolves when it has wound down. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    if (this.#checkTimer) clearInterval(this.#checkTimer);
    this.#pollTimer = undefined;
    this.#checkTimer = undefined;
    this.#abort?.abort();
    this.#abort = undefined;
    await this.#inflight?.catch(() => undefined);
  }

  /**
   * Compare the wall clock with the monotonic one; on a step, emit
   * time_change, re-base the measured offset by the step (the servers did not
   * move, our clock did), re-evaluate sync and poll again soon.
   */
  checkClock(): ClockJump | undefined {
    const jump = this.#jumps.check();
    if (jump) {
      this.#steppedMs += jump.deltaMs;
      if (this.#measurement) this.#measurement.offsetMs -= jump.deltaMs;
      this.#emit('time_change', timeChangeInput(jump));
      this.#evaluate(false, 'jump');
      if (this.#running && this.#servers.length > 0 && !this.#inflight) {
        this.#schedule(Math.max(0, this.#lastPollMono + this.settings.retryMs - this.#mono()));
      }
    } else {
      this.#evaluate(false);
    }
    return jump;
  }

  /** Poll now (one poll at a time: a call during a poll gets that poll's report). */
  pollNow(): Promise<PollReport> {
    if (!this.#inflight) {
      this.#inflight = this.#poll().finally(() => {
        this.#inflight = undefined;
      });
    }
    return this.#inflight;
  }

  async #poll(): Promise<PollReport> {
    this.checkClock(); // a step before the poll must be accounted before we measure against the new clock
    const steppedBefore = this.#steppedMs;
    const startedAtMs = this.#now();
    const monoStart = this.#mono();
    this.#lastPollMono = monoStart;
    const skipped: { server: string; why: 'dropped' | 'rate-limited' }[] = [];
    const due: ServerState[] = [];
    for (const s of this.#servers) {
      if (s.dropped !== undefined) skipped.push({ server: s.address.spec, why: 'dropped' });
      else if (monoStart - s.lastPolledMono < this.settings.pollMs * s.rateFactor && s.rateFactor > 1)
        skipped.push({ server: s.address.spec, why: 'rate-limited' });
      else due.push(s);
    }
    for (const s of due) s.lastPolledMono = monoStart;
    const signal = this.#abort?.signal;
    let results: readonly ServerPoll[] = [];
    if (due.length > 0) {
      try {
        results = await this.#poller(
          due.map((s) => s.address),
          {
            samples: this.settings.samples,
            sampleSpacingMs: this.settings.sampleSpacingMs,
            timeoutMs: this.settings.timeoutMs,
            maxRootDistanceMs: this.settings.maxRootDistanceMs,
            clockResolutionMs: this.settings.clockResolutionMs,
            now: this.#now,
            mono: this.#mono,
            ...(signal ? { signal } : {}),
            ...(this.#resolve ? { resolve: this.#resolve } : {}),
          },
        );
      } catch (err) {
        // a replaced poller that throws: treat as no answer, never as a crash
        process.emitWarning(`seclog time poller failed: ${err instanceof Error ? err.message : String(err)}`, { code: 'SECLOG_TIME' });
      }
    }
    this.#applyKisses(results);
    this.checkClock(); // a step during the poll is seen here, before its result is used
    let report: PollReport;
    if (this.#steppedMs !== steppedBefore) {
      report = { startedAtMs, servers: results, skipped, selection: { kind: 'no-answer' }, discarded: 'clock-stepped' };
    } else {
      const candidates = results.flatMap((r) =>
        r.estimate ? [{ server: r.server, offsetMs: r.estimate.offsetMs, errorMs: r.estimate.errorMs }] : [],
      );
      let selection: PollReport['selection'] = selectOffset(candidates);
      if (selection.kind === 'ok' && selection.truechimers.length < this.settings.minAgreeing) {
        selection = { kind: 'too-few-agreeing', agreeing: selection.truechimers.length, required: this.settings.minAgreeing };
      }
      report = { startedAtMs, servers: results, skipped, selection };
      if (selection.kind === 'ok') {
        this.#failedPolls = 0;
        this.#measurement = { offsetMs: selection.offsetMs, errorMs: selection.errorMs, atMono: this.#mono(), server: selection.server };
      } else {
        this.#failedPolls += 1;
      }
    }
    this.#lastPoll = report;
    for (const l of this.#pollListeners) this.#call(() => l(report));
    if (!report.discarded) this.#evaluate(report.selection.kind === 'ok', 'failed-polls');
    if (this.#running) this.#scheduleAfter(report);
    return report;
  }

  #applyKisses(results: readonly ServerPoll[]): void {
    for (const r of results) {
      if (r.kiss === undefined) continue;
      const s = this.#servers.find((x) => x.address.spec === r.server);
      if (!s) continue;
      // RFC 4330 §8: DENY and RSTR mean stop using the server; RATE means poll it less often, more so each time.
      if (r.kiss === 'DENY' || r.kiss === 'RSTR') s.dropped = r.kiss;
      else if (r.kiss === 'RATE') s.rateFactor = Math.min(MAX_RATE_FACTOR, s.rateFactor * 2);
    }
  }

  #scheduleAfter(report: PollReport): void {
    const { pollMs, retryMs } = this.settings;
    let delay: number;
    if (report.discarded) delay = retryMs;
    else if (report.selection.kind === 'ok') delay = pollMs;
    else delay = Math.min(pollMs, retryMs * 2 ** (this.#failedPolls - 1));
    this.#schedule(delay);
  }

  #schedule(baseMs: number): void {
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    const jitter = 1 + this.settings.pollJitter * (2 * this.#random() - 1);
    this.#pollTimer = setTimeout(
      () => {
        this.#pollTimer = undefined;
        void this.pollNow();
      },
      Math.max(0, baseMs * jitter),
    );
    this.#pollTimer.unref();
  }

  /** Recompute the sync state; emit time_sync on a change. `fromPoll`: a fresh measurement may regain sync. */
  #evaluate(fromPoll: boolean, cause: SyncLossReason = 'holdover'): void {
    const m = this.#measurement;
    const s = this.settings;
    let loss: { reason: SyncLossReason; detail: string } | undefined;
    if (!m) loss = { reason: 'failed-polls', detail: 'no measurement yet' };
    else if (this.#failedPolls >= s.maxFailedPolls) loss = { reason: 'failed-polls', detail: `${this.#failedPolls} failed polls` };
    else if (this.#mono() - m.atMono > s.holdoverMs)
      loss = { reason: 'holdover', detail: `last measurement ${Math.round((this.#mono() - m.atMono) / 1000)} s ago` };
    else if (Math.abs(m.offsetMs) > s.maxOffsetMs)
      loss = { reason: cause === 'jump' ? 'jump' : 'offset', detail: `offset ${Math.round(m.offsetMs)} ms, limit ${s.maxOffsetMs} ms` };

    if (this.#synced && loss) {
      this.#synced = false;
      this.#unsyncedSinceMono = this.#mono();
      this.#emit('time_sync', syncLostInput(loss.reason, loss.detail, m?.offsetMs, m?.server));
    } else if (!this.#synced && !loss && fromPoll && m) {
      this.#synced = true;
      this.#emit('time_sync', syncRegainedInput(m.offsetMs, m.server, this.#mono() - this.#unsyncedSinceMono));
    }
  }

  #emit(name: TimeEventName, input: EventInput): void {
    for (const l of this.#eventListeners) this.#call(() => l(name, input));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      process.emitWarning(`seclog time listener threw: ${err instanceof Error ? err.message : String(err)}`, { code: 'SECLOG_TIME' });
    }
  }
}
