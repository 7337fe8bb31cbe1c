/**
 * The hot path: one call's input to one record in the ring.
 *
 *   prepareEvent (core: text made safe, redaction, validation; throws for
 *   programmer errors, before anything changes)
 *   → seal the epoch first when it is due (a record never lands in an epoch
 *     that should already be closed)
 *   → stamp stream, seq, boot, mono_ms, prev
 *   → canonical JSON (RFC 8785) → chain hash → ring.append
 *
 * The canonical bytes are hashed and stored as they are, so the ring holds
 * exactly what the chain covers. One context object is reused for every
 * call (STYLE.md "Hot path": no closure per event).
 */
import { hash } from 'node:crypto';
import type { ChainHead, EventInput, PrepareContext, RedactionOptions, SecurityEvent, TimeQuality } from '@seclog/core';
import { canonicalize, chainHash, eventTimeNow, LIMITS, prepareEvent, type Sealer, SeclogError } from '@seclog/core';
import type { RingStore } from '../ring/ring-store.js';
import type { DropReport } from '../ring/ring-types.js';
import type { StampClock } from './stamp-clock.js';

/** A record as appended: the prepared event with its chain fields. */
export type WrittenRecord = SecurityEvent & { seq: number; stream: string };

export interface WriterOptions {
  readonly ring: RingStore;
  readonly head: ChainHead;
  readonly clock: StampClock;
  readonly boot: string;
  readonly mono: () => number;
  readonly device: SecurityEvent['device'];
  readonly redaction: RedactionOptions;
  readonly tq: () => TimeQuality;
  readonly sealer: Sealer | undefined;
  /** Unacknowledged records an append overwrote. */
  readonly onDropped: (d: DropReport) => void;
  /** Seals were appended (the logger persists the evolved key). */
  readonly onSealed: (count: number) => void;
}

export class RecordWriter {
  readonly stream: string;
  readonly #o: WriterOptions;
  readonly #ctx: PrepareContext;
  #stampMs = 0;
  #seq: number;
  #hash: string;
  #hashBytes: Buffer;
  /** Bytes appended (frames included) since the counter was last reset. */
  appendedBytes = 0;

  constructor(o: WriterOptions) {
    this.#o = o;
    this.stream = o.head.stream;
    this.#seq = o.head.seq;
    this.#hash = o.head.hash;
    this.#hashBytes = Buffer.from(o.head.hash, 'hex');
    // In canonical order once, like every object the writer builds (see withChainFields).
    const device = JSON.parse(canonicalize(o.device)) as SecurityEvent['device'];
    this.#ctx = { device, redaction: o.redaction, now: () => this.#stampMs };
  }

  get seq(): number {
    return this.#seq;
  }

  get head(): ChainHead {
    return { stream: this.stream, seq: this.#seq, hash: this.#hash };
  }

  get sealer(): Sealer | undefined {
    return this.#o.sealer;
  }

  /** Record `name`: validated, sealed-before when due, chained, appended. Throws EVENT_* for bad input (nothing written). */
  write(name: string, input: EventInput): WrittenRecord {
    const t = this.#o.clock.now();
    const ev = this.#prepare(name, input, t);
    if (this.#o.sealer?.sealDue(t, this.#seq)) {
      this.#sealWhileDue(t, false);
      const later = this.#o.clock.now();
      if (later !== t) ev.time = eventTimeNow(later);
    }
    return this.#append(ev);
  }

  /** Seal every epoch due by now (after downtime, each missed one in turn; the epoch timer's call). */
  sealIfDue(): number {
    return this.#sealWhileDue(this.#o.clock.now(), false);
  }

  /** Close the open epoch now, ahead of its grid line (shutdown). */
  sealEarly(): number {
    return this.#sealWhileDue(this.#o.clock.now(), true);
  }

  /**
   * An epoch closed by time ends on its grid line, which every record in it
   * precedes; one closed early ends at a time after every record stamped so
   * far (StampClock.after), so no record of it lies at or past its end.
   */
  #sealWhileDue(t: number, early: boolean): number {
    const s = this.#o.sealer;
    if (s === undefined) return 0;
    let n = 0;
    while (early || s.sealDue(t, this.#seq)) {
      const byTime = !early && t >= s.epochEndMs();
      const at = byTime ? this.#o.clock.now() : this.#o.clock.after();
      const st = this.#o.ring.stats();
      const oldest = st.records > 0 ? Math.min(st.oldestSeq, this.#seq + 1) : this.#seq + 1;
      const attrs = s.seal({ lastSeq: this.#seq, chainHead: this.#hash, oldestRetainedSeq: Math.max(1, oldest), nowMs: at });
      this.#append(this.#prepare('log_seal', { attrs }, at));
      n++;
      early = false;
    }
    if (n > 0) this.#o.onSealed(n);
    return n;
  }

  #prepare(name: string, input: EventInput, t: number): SecurityEvent {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new SeclogError('EVENT_INVALID', `${name}: the fields must be an object`, {
        errors: [{ path: '', rule: 'type', message: 'must be an object of fields' }],
      });
    }
    this.#stampMs = t;
    this.#ctx.tq = this.#o.tq();
    return prepareEvent(name, input, this.#ctx).event;
  }

  #append(ev: SecurityEvent): WrittenRecord {
    const seq = this.#seq + 1;
    const rec = withChainFields(ev, this.stream, seq, this.#o.boot, this.#o.mono(), this.#hash);
    const text = canonicalize(rec);
    const bytes = encodeRecord(text);
    if (bytes === undefined) {
      const n = Buffer.byteLength(text, 'utf8');
      const message = `the canonical record with its chain fields is ${n} bytes; the limit is ${LIMITS.recordBytes}`;
      throw new SeclogError('EVENT_INVALID', `${rec.name}: ${message}`, { errors: [{ path: '', rule: 'record-bytes', message }] });
    }
    const h = chainHash(seq, this.#hashBytes, hash('sha256', bytes, 'buffer'));
    // The ring copies the frame into its write-behind buffer (or writes it) before append returns.
    const { dropped } = this.#o.ring.append(bytes, seq);
    this.#seq = seq;
    this.#hashBytes = h;
    this.#hash = h.toString('hex');
    this.appendedBytes += bytes.length + 28;
    if (dropped !== null) this.#o.onDropped(dropped);
    return rec;
  }
}

/**
 * UTF-8 of each record, in one buffer reused for every append: Buffer.from of
 * a ~500-byte string took a slice of Node's 8 KiB pool and a new pool every
 * ~14 records (about 1.3 µs a record under the agent bench's profiler). Three
 * bytes per UTF-16 code unit bound any string's UTF-8, so a record within the
 * limit always fits.
 */
const recordScratch = Buffer.allocUnsafeSlow(3 * LIMITS.recordBytes);

/** The record's UTF-8 bytes (a view of the shared scratch, valid until the next call), or undefined over the size limit. */
function encodeRecord(text: string): Buffer | undefined {
  // A UTF-16 code unit is at least one byte: a longer string is over the limit whatever it holds.
  if (text.length > LIMITS.recordBytes) return undefined;
  const n = recordScratch.write(text, 0, 'utf8');
  return n > LIMITS.recordBytes ? undefined : recordScratch.subarray(0, n);
}

/** Members of a prepared event a record always has (SecurityEvent's required fields). */
const REQUIRED_FIELDS = 8;

/**
 * The record: the prepared event plus its chain fields, with the members in
 * RFC 8785 order (UTF-16 code units), so canonicalize serialises it without
 * building a sorted copy first (the largest part of its cost otherwise).
 * The order is only a speed matter: canonicalize sorts whatever it gets.
 */
function withChainFields(ev: SecurityEvent, stream: string, seq: number, boot: string, mono: number, prev: string): WrittenRecord {
  const r: Record<string, unknown> = {};
  let optional = 0;
  if (ev.actor !== undefined) {
    r.actor = ev.actor;
    optional++;
  }
  r.attrs = ev.attrs;
  r.boot = boot;
  r.device = ev.device;
  r.id = ev.id;
  if (ev.message !== undefined) {
    r.message = ev.message;
    optional++;
  }
  r.mono_ms = mono;
  r.name = ev.name;
  r.outcome = ev.outcome;
  r.prev = prev;
  if (ev.redacted !== undefined) {
    r.redacted = ev.redacted;
    optional++;
  }
  r.seq = seq;
  r.severity = ev.severity;
  r.stream = stream;
  if (ev.target !== undefined) {
    r.target = ev.target;
    optional++;
  }
  r.time = ev.time;
  if (ev.tq !== undefined) {
    r.tq = ev.tq;
    optional++;
  }
  r.v = ev.v;
  // A member this list does not know (SecurityEvent grew one) is kept, out of order: canonicalize then sorts.
  if (Object.keys(ev).length !== REQUIRED_FIELDS + optional) {
    for (const [k, v] of Object.entries(ev)) if (!(k in r)) r[k] = v;
  }
  return r as unknown as WrittenRecord;
}
