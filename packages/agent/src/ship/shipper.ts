/**
 * The shipper: moves records from the source (the ring) to the collector
 * over HTTP(S) and advances the source's acknowledged mark as the collector
 * acknowledges them (docs/ingest.md; behaviour in docs/agent.md). The MQTT
 * and syslog-tls transports (./select-transport.ts) answer the same two
 * requests, so everything below holds for them too.
 *
 * One loop does one step at a time, in this order of priority:
 *
 *   paused (401/403)  → wait for setToken()
 *   backing off       → wait until the retry time
 *   cursor unknown    → GET /api/v1/ingest/cursor, resume from its seq + 1
 *   isolating         → ship the next part of a refused range (ship/split.ts)
 *   gaps reported     → fill them from the source (ship/gap-fill.ts)
 *   records pending   → ship when due: a full batch, the batch's age, an
 *                       upload tick (periodic profiles), a critical event
 *                       (shipCriticalAtOnce), flush() or shipNow()
 *
 * Every failure ends the step: the loop backs off (full jitter, or the
 * server's hint) and then re-reads the cursor, so what was acknowledged
 * before a lost answer is never sent twice as new. A batch never expires;
 * records leave the source only through the acknowledged mark, which moves
 * forward only, never past a gap still being filled.
 *
 * Nothing here throws into product code: outcomes are reports (onReport)
 * and status(); only construction with bad options throws.
 */
import { SeclogError } from '@seclog/core';
import { type Ack, classifyCursorAnswer, classifyIngestAnswer, type ErrorInfo, type IngestOutcome } from './answer.js';
import { type Batch, type BatchLimits, encodeBatch, readBatch } from './batch.js';
import { afterFill, planFill, type SeqRange } from './gap-fill.js';
import { type ResolvedShipperOptions, resolveShipperOptions, type ShipperOptions } from './options.js';
import { type Failure, OutageTracker } from './outage.js';
import { createShipTransport } from './select-transport.js';
import type { ShipSource } from './source.js';
import { type IsolationRange, splitRefused } from './split.js';
import type { HttpAnswer, Transport } from './transport.js';

export type ShipState = 'stopped' | 'idle' | 'waiting' | 'shipping' | 'backoff' | 'unauthorized' | 'closed';

export interface ShipStatus {
  state: ShipState;
  /** Last seq in the source. */
  lastSeq: number;
  /** The source's acknowledged mark. */
  ackedSeq: number;
  /** The collector's cursor for the stream, as last seen. */
  collectorSeq: number;
  /** Batches awaiting an answer. */
  inFlight: number;
  /** Failures since the last success. */
  failures: number;
  /** When the next try is due (ms since the epoch), while backing off. */
  retryAt: number | undefined;
  lastError: string | undefined;
  /** Records refused by the collector and skipped, this session. */
  skipped: number;
  /** Gaps the collector reported that are still to be filled. */
  openGaps: number;
}

/** Ends the current step; the loop backs off according to the outcome. */
class StepFailure {
  readonly outcome: Failure;
  constructor(outcome: Failure) {
    this.outcome = outcome;
  }
}

interface FlushWaiter {
  target: number;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

interface Gap extends SeqRange {
  /** The gap as the collector first reported it, for the report. */
  reported: SeqRange;
}

const USER_AGENT = 'seclog-agent/0.1';
const MAX_REMEMBERED_SKIPS = 10_000;

const invalidAck = (why: string): Failure => ({
  kind: 'transient',
  error: { status: 200, code: 'ANSWER_INVALID', message: why, details: {} },
  hintMs: undefined,
});

export class Shipper {
  readonly #o: ResolvedShipperOptions;
  readonly #source: ShipSource;
  readonly #transport: Transport;
  readonly #outage: OutageTracker;
  #token: string;

  #started = false;
  #closed = false;
  #loop: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;
  #state: ShipState = 'stopped';

  // Where shipping stands.
  #needCursor = true;
  #nextSeq = 1;
  #collectorSeq = 0;
  /** Every seq up to here is acknowledged or given up (skipped, gone from the source). */
  #doneThrough = 0;
  #maxRecords: number;
  #gzip = true;
  #isolation: IsolationRange[] = [];
  #gaps: Gap[] = [];
  readonly #gapsGivenUp = new Set<string>();
  readonly #skipped = new Set<number>();
  #skippedCount = 0;
  #refusedInRow = 0;
  #inFlight = 0;

  // When to ship.
  #pendingSince: number | undefined;
  #urgentThrough = 0;
  #nextUploadAt = 0;
  /** Periodic shipping: the last seq of the upload in progress (its later batches go at once). */
  #uploadThrough = 0;

  // Failures.
  #paused = false;
  #retryAt = 0;
  #reportedCursorAhead = false;

  // Waiting.
  #wakeResolve: (() => void) | undefined;
  #woken = false;
  #sleepTimer: NodeJS.Timeout | undefined;
  /** Deadline of the current sleep; Infinity when idle until woken. */
  #sleepingUntil: number | undefined;
  readonly #flushWaiters: FlushWaiter[] = [];

  constructor(options: ShipperOptions) {
    this.#o = resolveShipperOptions(options);
    this.#source = this.#o.source;
    this.#token = this.#o.token;
    this.#maxRecords = this.#o.profile.batchMaxEvents;
    const { transport, peer } = createShipTransport(this.#o, this.#source);
    this.#outage = new OutageTracker(this.#o.backoff, this.#o.random, this.#o.onReport, peer);
    this.#transport = transport;
    // Syslog frames carry each record's text; a gzipped batch would only be inflated again before framing.
    if (this.#o.kind === 'syslog-tls') this.#gzip = false;
  }

  /** Start shipping: read the collector's cursor, then ship what is pending and whatever is appended. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    const off = this.#source.onAppend((lastSeq, urgent) => this.#onAppend(lastSeq, urgent));
    this.#unsubscribe = typeof off === 'function' ? (off as () => void) : undefined;
    this.#loop = this.#run();
  }

  /**
   * Resolves when every record appended before the call is acknowledged by
   * the collector (or was refused and skipped, with a report), and the gaps
   * the collector reported are dealt with. Ships at once, whatever the
   * profile's schedule. Rejects with AGENT_FLUSH_TIMEOUT after `timeoutMs`,
   * with AGENT_SHIPPER_CLOSED when the shipper is closed first.
   */
  flush(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    const target = this.#source.lastSeq();
    if (this.#flushedThrough(target)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w: FlushWaiter = { target, resolve, reject, timer: undefined };
      if (options.timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          this.#flushWaiters.splice(this.#flushWaiters.indexOf(w), 1);
          reject(
            new SeclogError('AGENT_FLUSH_TIMEOUT', `records up to seq ${target} were not all acknowledged within ${options.timeoutMs} ms`, {
              target,
              ackedSeq: this.#source.ackedSeq(),
              state: this.#state,
              lastError: this.#outage.lastError,
            }),
          );
        }, options.timeoutMs);
      }
      this.#flushWaiters.push(w);
      // A waiting flush keeps the process alive through a backoff.
      this.#sleepTimer?.ref();
      this.#wake();
    });
  }

  /** Ship everything pending now, without waiting for the batch to fill or the next upload. */
  shipNow(): void {
    this.#urgentThrough = Math.max(this.#urgentThrough, this.#source.lastSeq());
    this.#wake();
  }

  /** New device credentials (after a 401): shipping resumes from the collector's cursor. */
  setToken(token: string): void {
    if (typeof token !== 'string' || token === '') {
      throw new SeclogError('AGENT_SHIP_OPTIONS_INVALID', 'token: must be a non-empty string', { errors: ['token'] });
    }
    this.#token = token;
    this.#paused = false;
    this.#needCursor = true;
    this.#retryAt = 0;
    this.#wake();
  }

  status(): ShipStatus {
    return {
      state: this.#state,
      lastSeq: this.#source.lastSeq(),
      ackedSeq: this.#source.ackedSeq(),
      collectorSeq: this.#collectorSeq,
      inFlight: this.#inFlight,
      failures: this.#outage.failures,
      retryAt: this.#retryAt > Date.now() ? this.#retryAt : undefined,
      lastError: this.#outage.lastError,
      skipped: this.#skippedCount,
      openGaps: this.#gaps.length,
    };
  }

  /**
   * Stop shipping. Batches in flight get `graceMs` (default 2 s) to be
   * answered, so their acknowledgements still move the mark; then the
   * connections are dropped. What was not acknowledged stays in the source.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#unsubscribe?.();
    this.#wake();
    this.#closing = (async () => {
      if (this.#loop !== undefined) {
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((r) => {
          timer = setTimeout(r, options.graceMs ?? 2000);
        });
        await Promise.race([this.#loop, grace]);
        clearTimeout(timer);
      }
      this.#transport.close();
      await this.#loop;
      this.#state = 'closed';
      for (const w of this.#flushWaiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(closedError());
      }
    })();
    return this.#closing;
  }

  // ---- the loop --------------------------------------------------------

  async #run(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.#step();
      } catch (err) {
        if (this.#closed) break;
        if (err instanceof StepFailure) this.#onFailure(err.outcome);
        else this.#retryAt = this.#outage.sourceFailed(err);
      }
    }
  }

  async #step(): Promise<void> {
    if (this.#paused) {
      this.#state = 'unauthorized';
      return this.#sleep(undefined);
    }
    const now = Date.now();
    if (this.#retryAt > now) {
      this.#state = 'backoff';
      return this.#sleep(this.#retryAt - now);
    }
    if (this.#needCursor) return this.#syncCursor();
    if (this.#isolation.length > 0) return this.#isolateStep();
    if (this.#gaps.length > 0) return this.#fillStep();
    const last = this.#source.lastSeq();
    if (this.#nextSeq > last) {
      this.#pendingSince = undefined;
      if (now >= this.#nextUploadAt) this.#nextUploadAt = now + this.#o.profile.uploadIntervalMs;
      this.#state = 'idle';
      return this.#sleep(undefined);
    }
    this.#pendingSince ??= now;
    const wait = this.#dueIn(now, this.#nextSeq, last);
    if (wait === 0) return this.#shipWindow(last);
    this.#state = 'waiting';
    return this.#sleep(wait);
  }

  /**
   * Milliseconds until records from `from` to `last` are due to ship (0: now).
   * Periodic shipping starts an upload here: it takes what is recorded at its
   * start, and the next one is due a whole interval later, so records
   * appended while it runs wait for that one.
   */
  #dueIn(now: number, from: number, last: number): number {
    if (this.#urgentThrough >= from || this.#flushWaiters.length > 0) return 0;
    const p = this.#o.profile;
    if (!p.realtime && p.uploadIntervalMs > 0) {
      if (from <= this.#uploadThrough) return 0;
      if (now < this.#nextUploadAt) return this.#nextUploadAt - now;
      this.#uploadThrough = last;
      this.#nextUploadAt = now + p.uploadIntervalMs;
      return 0;
    }
    if (last - from + 1 >= this.#limits().maxRecords) return 0;
    return Math.max(0, (this.#pendingSince ?? now) + p.batchMaxAgeMs - now);
  }

  #limits(): BatchLimits {
    return { maxRecords: Math.min(this.#maxRecords, this.#o.profile.batchMaxEvents), maxBytes: this.#o.maxBatchBytes };
  }

  // ---- steps -------------------------------------------------------------

  async #syncCursor(): Promise<void> {
    this.#state = 'shipping';
    const ans = await this.#request('GET', 'api/v1/ingest/cursor');
    const c = classifyCursorAnswer(ans, this.#source.stream);
    if (c.kind !== 'cursor') throw new StepFailure(c as Failure);
    // Not a success yet: only an acknowledged batch ends an outage (and resets the backoff),
    // or a collector that answers GET but fails every POST would be retried at the base rate.
    const { seq, gaps } = c.cursor;
    const last = this.#source.lastSeq();
    this.#collectorSeq = seq;
    if (seq > last && !this.#reportedCursorAhead) {
      this.#reportedCursorAhead = true;
      this.#o.onReport({ kind: 'cursor-ahead', collectorSeq: seq, lastSeq: last });
    }
    let next = seq + 1;
    while (this.#skipped.has(next)) next++;
    this.#nextSeq = next;
    this.#isolation = this.#isolation
      .filter((r) => r.to > seq)
      .map((r) => (r.from > seq ? r : { ...r, from: seq + 1, suspectFirst: false }));
    this.#gaps = gaps
      .filter((g) => g.from <= last && !this.#gapsGivenUp.has(gapKey(g)) && !this.#allSkipped(g))
      .map((g) => ({ from: g.from, to: Math.min(g.to, last + 1), reported: g }));
    this.#doneThrough = Math.max(this.#doneThrough, Math.min(seq, last));
    this.#needCursor = false;
    this.#applyAck(seq);
    this.#settleFlushes();
  }

  async #shipWindow(last: number): Promise<void> {
    this.#state = 'shipping';
    const window: { batch: Batch; answer: Promise<IngestOutcome> }[] = [];
    let from = this.#nextSeq;
    while (window.length < this.#o.maxInFlight && from <= last) {
      const batch = await readBatch(this.#source, from, last, this.#limits(), this.#skipped);
      if (batch === undefined) break;
      window.push({ batch, answer: this.#post(batch) });
      from = batch.last + 1;
      // Another batch goes out at once only when it is due by itself.
      if (from > last || this.#dueIn(Date.now(), from, last) > 0) break;
    }
    if (window.length === 0) {
      // Nothing readable from nextSeq on: those records are gone from the source.
      this.#nextSeq = last + 1;
      this.#doneThrough = Math.max(this.#doneThrough, last);
      this.#settleFlushes();
      return;
    }
    this.#inFlight = window.length;
    this.#pendingSince = from <= this.#source.lastSeq() ? Date.now() : undefined;
    let stop: Failure | undefined;
    let refusedAt = -1;
    // Answers are applied in seq order: a later batch's ack never moves the
    // mark while an earlier one is unanswered or failed.
    for (let i = 0; i < window.length; i++) {
      const { batch, answer } = window[i]!;
      const out = await answer;
      this.#inFlight--;
      if (stop !== undefined || refusedAt >= 0) continue;
      if (out.kind === 'acked') {
        if (!this.#onAck(batch, out.ack))
          stop = invalidAck(`the ack (seq ${out.ack.seq}) does not cover the batch ${batch.first}..${batch.last}`);
      } else if (out.kind === 'refused') {
        refusedAt = i;
        this.#onRefused({ from: batch.first, to: batch.last }, batch, out);
      } else {
        stop = out;
      }
    }
    // Batches after a refused one may have been stored; re-read where the collector stands.
    if (refusedAt >= 0 && refusedAt < window.length - 1) this.#needCursor = true;
    if (stop !== undefined) throw new StepFailure(stop);
  }

  async #isolateStep(): Promise<void> {
    this.#state = 'shipping';
    const range = this.#isolation.at(-1)!;
    const limits = range.suspectFirst ? { ...this.#limits(), maxRecords: 1 } : this.#limits();
    const batch = await readBatch(this.#source, range.from, range.to, limits, this.#skipped);
    if (batch === undefined) {
      this.#isolation.pop();
      return;
    }
    // The range stays on the stack until answered, so a transient failure resumes it.
    const out = await this.#post(batch);
    if (out.kind === 'acked') {
      if (!this.#onAck(batch, out.ack)) throw new StepFailure(invalidAck(`the ack (seq ${out.ack.seq}) does not cover ${batch.last}`));
      this.#isolation.pop();
      if (batch.last < range.to) this.#isolation.push({ from: batch.last + 1, to: range.to });
      this.#settleFlushes();
      return;
    }
    if (out.kind === 'refused') {
      this.#isolation.pop();
      this.#onRefused(range, batch, out);
      return;
    }
    throw new StepFailure(out);
  }

  async #fillStep(): Promise<void> {
    this.#state = 'shipping';
    const g = this.#gaps[0]!;
    const probe = await this.#source.readFrom(g.from, 1, this.#o.maxBatchBytes);
    const plan = planFill(g, probe[0]?.seq, this.#limits().maxRecords);
    // The source holds none of it: the loss was recorded when it happened (the ring's log_dropped).
    if (plan === undefined) return this.#giveUpGap(g, undefined);
    const batch = await readBatch(this.#source, plan.from, plan.to, this.#limits(), this.#skipped);
    if (batch === undefined || batch.first !== plan.from || (plan.anchor === 'back' && batch.last !== plan.to)) {
      return this.#giveUpGap(g, 'the device holds only part of these records');
    }
    const out = await this.#post(batch);
    if (out.kind === 'acked') {
      // A collector that does not fill gaps takes the records as duplicates and stores nothing.
      if (out.ack.accepted === 0) return this.#giveUpGap(g, 'the collector did not store the records (it does not fill gaps)');
      this.#outage.succeeded();
      this.#collectorSeq = Math.max(this.#collectorSeq, out.ack.seq);
      const rest = afterFill(g, { from: batch.first, to: batch.last }, plan.anchor);
      if (rest !== undefined) {
        this.#gaps[0] = { ...rest, reported: g.reported };
      } else {
        this.#gaps.shift();
        this.#o.onReport({ kind: 'gap-filled', from: g.reported.from, to: g.reported.to });
      }
      this.#applyAck(this.#collectorSeq);
      this.#settleFlushes();
      return;
    }
    if (out.kind === 'refused') return this.#giveUpGap(g, `${out.error.status} ${out.error.code}: ${out.error.message}`);
    throw new StepFailure(out);
  }

  // ---- outcomes ------------------------------------------------------------

  /** Applies an acknowledgement of `batch`; false when the answer does not acknowledge it. */
  #onAck(batch: Batch, ack: Ack): boolean {
    if (ack.stream !== this.#source.stream || ack.seq < batch.last) return false;
    this.#outage.succeeded();
    this.#refusedInRow = 0;
    this.#collectorSeq = Math.max(this.#collectorSeq, ack.seq);
    this.#nextSeq = Math.max(this.#nextSeq, batch.last + 1);
    this.#doneThrough = Math.max(this.#doneThrough, batch.last);
    this.#applyAck(ack.seq);
    this.#settleFlushes();
    return true;
  }

  #onRefused(range: IsolationRange, batch: Batch, out: Extract<IngestOutcome, { kind: 'refused' }>): void {
    const n = batch.records.length;
    if (out.tooLarge && n > 1 && Math.floor(n / 2) < this.#limits().maxRecords) {
      this.#maxRecords = Math.max(1, Math.floor(n / 2));
      this.#o.onReport({ kind: 'batch-too-large', records: n, maxRecords: this.#maxRecords });
    }
    if (n === 1) {
      if (batch.last < range.to) this.#isolation.push({ from: batch.last + 1, to: range.to });
      this.#skip(batch.first, out.error);
      return;
    }
    this.#isolation.push(...splitRefused(range, batch.first, batch.last, out.index));
  }

  #skip(seq: number, error: ErrorInfo): void {
    this.#skipped.add(seq);
    if (this.#skipped.size > MAX_REMEMBERED_SKIPS) this.#skipped.delete(this.#skipped.values().next().value as number);
    this.#skippedCount++;
    this.#o.onReport({
      kind: 'record-rejected',
      seq,
      status: error.status,
      code: error.code,
      message: error.message,
      details: error.details,
    });
    this.#nextSeq = Math.max(this.#nextSeq, seq + 1);
    this.#doneThrough = Math.max(this.#doneThrough, seq);
    // Given up for good: the source may overwrite it like an acknowledged record.
    if (this.#collectorSeq >= seq - 1) this.#applyAck(seq);
    if (++this.#refusedInRow >= this.#o.refusalStormLimit) {
      this.#o.onReport({ kind: 'refusal-storm', skipped: this.#refusedInRow });
      this.#refusedInRow = 0;
      this.#retryAt = Date.now() + this.#o.backoff.maxMs;
    }
    this.#settleFlushes();
  }

  #giveUpGap(g: Gap, reason: string | undefined): void {
    this.#gaps.shift();
    this.#gapsGivenUp.add(gapKey(g));
    this.#gapsGivenUp.add(gapKey(g.reported));
    if (reason !== undefined) this.#o.onReport({ kind: 'gap-unfillable', from: g.from, to: g.to, reason });
    this.#applyAck(this.#collectorSeq);
    this.#settleFlushes();
  }

  #onFailure(o: Failure): void {
    this.#needCursor = true;
    const next = this.#outage.failed(o);
    if (next.pause) this.#paused = true;
    if (next.plainBodies) this.#gzip = false;
    if (next.retryAt !== undefined) this.#retryAt = next.retryAt;
  }

  // ---- helpers ---------------------------------------------------------------

  /** Moves the source's mark forward to `seq`, never past the newest record or a gap being filled. */
  #applyAck(seq: number): void {
    let mark = Math.min(seq, this.#source.lastSeq());
    for (const g of this.#gaps) mark = Math.min(mark, g.from - 1);
    if (mark > this.#source.ackedSeq()) this.#source.markAcked(mark);
  }

  #flushedThrough(target: number): boolean {
    if (this.#gaps.length > 0 || this.#isolation.length > 0) return false;
    return this.#doneThrough >= target || this.#source.ackedSeq() >= target;
  }

  #settleFlushes(): void {
    for (let i = this.#flushWaiters.length - 1; i >= 0; i--) {
      const w = this.#flushWaiters[i]!;
      if (!this.#flushedThrough(w.target)) continue;
      this.#flushWaiters.splice(i, 1);
      clearTimeout(w.timer);
      w.resolve();
    }
  }

  #allSkipped(g: SeqRange): boolean {
    if (g.to - g.from > this.#skipped.size) return false;
    for (let s = g.from; s < g.to; s++) if (!this.#skipped.has(s)) return false;
    return true;
  }

  #onAppend(lastSeq: number, urgent: boolean): void {
    if (urgent && this.#o.profile.shipCriticalAtOnce) {
      this.#urgentThrough = Math.max(this.#urgentThrough, lastSeq);
      this.#wake();
      return;
    }
    // A timer is already set for the batch's age or the next upload; wake only an idle loop or for a full batch.
    const full = this.#o.profile.realtime && lastSeq - this.#nextSeq + 1 >= this.#limits().maxRecords;
    if (this.#sleepingUntil === Number.POSITIVE_INFINITY || full) this.#wake();
  }

  #headers(): Record<string, string> {
    return { authorization: `Bearer ${this.#token}`, accept: 'application/json', 'user-agent': USER_AGENT };
  }

  async #request(method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<HttpAnswer> {
    try {
      return await this.#transport.request(method, path, { ...this.#headers(), ...headers }, body);
    } catch (err) {
      throw new StepFailure({ kind: 'network', error: err as Error & { code?: string } });
    }
  }

  /** One batch exchange; never rejects (a network failure is an outcome). */
  async #post(batch: Batch): Promise<IngestOutcome> {
    try {
      const enc = await encodeBatch(
        this.#o.device,
        this.#source.stream,
        batch,
        this.#gzip ? this.#o.gzipMinBytes : Number.POSITIVE_INFINITY,
      );
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (enc.gzipped) headers['content-encoding'] = 'gzip';
      const ans = await this.#request('POST', 'api/v1/ingest', headers, enc.body);
      return classifyIngestAnswer(ans, enc.gzipped);
    } catch (err) {
      if (err instanceof StepFailure) return err.outcome;
      return { kind: 'network', error: err as Error };
    }
  }

  #sleep(ms: number | undefined): Promise<void> {
    if (this.#woken || this.#closed) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(this.#sleepTimer);
        this.#sleepTimer = undefined;
        this.#sleepingUntil = undefined;
        this.#wakeResolve = undefined;
        this.#woken = false;
        resolve();
      };
      this.#wakeResolve = done;
      this.#sleepingUntil = ms === undefined ? Number.POSITIVE_INFINITY : Date.now() + ms;
      if (ms !== undefined) {
        this.#sleepTimer = setTimeout(done, ms);
        // Shipping alone does not keep a process alive; a waiting flush() does.
        if (this.#flushWaiters.length === 0) this.#sleepTimer.unref();
      }
    });
  }

  #wake(): void {
    if (this.#wakeResolve !== undefined) this.#wakeResolve();
    else this.#woken = true;
  }
}

function gapKey(g: SeqRange): string {
  return `${g.from}-${g.to}`;
}

function closedError(): SeclogError {
  return new SeclogError('AGENT_SHIPPER_CLOSED', 'the shipper was closed before the records were acknowledged', {});
}

/** A shipper for `options`; call start(). */
export function createShipper(options: ShipperOptions): Shipper {
  return new Shipper(options);
}
