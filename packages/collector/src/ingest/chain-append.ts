/**
 * Chaining records the collector writes into streams of its own: its own
 * events (own-stream.ts) and foreign records (foreign-stream.ts). Each record
 * gets the next seq, the previous chain hash as `prev`, the collector's boot
 * id and monotonic time, and is validated as a chained record, so a verifier
 * walks these streams exactly as it walks a device's (docs/protocol.md §2, §5).
 */
import { hash } from 'node:crypto';
import type { ChainedEvent, Hash, SecurityEvent, TimeQuality, ValidationIssue } from '@seclog/core';
import { canonicalize, chainHash, formatIssues, LIMITS, SeclogError, uuidv7, validateEvent } from '@seclog/core';
import type { IncomingRecord, StreamCursor } from '../store/types.js';

/**
 * Events their builder has just run validateEvent on (prepareEvent, the OTLP
 * and seclog-syslog decoders), by identity. A mark says nothing about a copy,
 * so a record that is changed on the way (a passthrough cut to fit its chain
 * fields) is a new, unmarked object and is validated in full.
 */
const validatedByBuilder = new WeakSet<SecurityEvent>();

/**
 * Records that `events` passed validateEvent (unchained) in their builder and
 * will not be changed before chainAfter, which then checks only what chaining
 * adds. Only call it right after that validation, on the objects it checked.
 */
export function markValidated<T extends readonly SecurityEvent[]>(events: T): T {
  for (const e of events) validatedByBuilder.add(e);
  return events;
}

/** The collector process as a "device boot": the records' mono_ms restarts with a new boot id. */
export class CollectorClock {
  readonly boot = uuidv7();
  readonly #startMs = performance.now();

  monoMs(): number {
    return Math.floor(performance.now() - this.#startMs);
  }
}

export interface ChainedRecords {
  records: IncomingRecord[];
  /** The stream's cursor after the last record. */
  cursor: StreamCursor;
}

/** The members chaining sets, in RFC 8785 order. */
const CHAIN_MEMBERS = ['boot', 'mono_ms', 'prev', 'seq', 'stream', 'tq'] as const;
type ChainMembers = Pick<ChainedEvent, (typeof CHAIN_MEMBERS)[number]>;

/**
 * The event with the chain members set, as a new object whose members are in
 * RFC 8785 order when the event's were (the SDK, prepareEvent and the syslog
 * passthrough builder make them so): canonicalize then walks it and
 * serialises it without building a sorted copy, which was the larger part of
 * chaining a syslog record. Members are set one by one: object spread of
 * these records measured 13–20 µs where this is ~1 µs. An event with an own
 * `__proto__` key (from JSON.parse) is copied by spread, which defines it as
 * a member (that validation refuses) instead of setting the copy's prototype.
 */
function withChainMembers(event: SecurityEvent, chain: ChainMembers): ChainedEvent {
  if (Object.hasOwn(event, '__proto__')) return { ...event, ...chain } as ChainedEvent;
  const out: Record<string, unknown> = {};
  const src = event as unknown as Record<string, unknown>;
  const add = chain as unknown as Record<string, unknown>;
  let c = 0;
  for (const k in src) {
    // Chain members that sort before k go first; one the event has itself is replaced by chaining's.
    while (c < CHAIN_MEMBERS.length && (CHAIN_MEMBERS[c] as string) <= k) {
      const m = CHAIN_MEMBERS[c++] as string;
      out[m] = add[m];
    }
    if (!Object.hasOwn(out, k)) out[k] = src[k];
  }
  while (c < CHAIN_MEMBERS.length) {
    const m = CHAIN_MEMBERS[c++] as string;
    out[m] = add[m];
  }
  return out as unknown as ChainedEvent;
}

/**
 * Chains `events` after `start` (the stream's stored cursor, read under the
 * stream's lock). `tq` is used for an event that has none. Throws
 * EVENT_INVALID naming the record when one does not validate as chained.
 *
 * An event marked by markValidated is not validated a second time (7–10 µs
 * per record measured): what its builder
 * checked is unchanged, and of what chaining adds, the stream id, boot id and
 * default tq are the same for every record of the call and are checked by
 * validating one record in full; seq, mono_ms and prev are made here (a
 * counter, a monotonic clock, the hex of a 32-byte hash); and the size, which
 * the chain fields grow, is checked exactly on the canonical text.
 */
export function chainAfter(
  start: StreamCursor,
  events: readonly SecurityEvent[],
  clock: CollectorClock,
  tq: TimeQuality,
  receivedUs: number,
): ChainedRecords {
  let seq = start.ackedSeq;
  let head: Uint8Array = start.head;
  const records: IncomingRecord[] = [];
  // Set once a record of this call was validated in full: its stream and boot id (and, for `defaultTq`, the tq it got) passed.
  let chainChecked = false;
  let defaultTqChecked = false;
  for (const [i, event] of events.entries()) {
    seq++;
    const rec = withChainMembers(event, {
      boot: clock.boot,
      mono_ms: clock.monoMs(),
      prev: Buffer.from(head).toString('hex'),
      seq,
      stream: start.stream,
      tq: event.tq ?? tq,
    });
    const trusted = validatedByBuilder.has(event) && chainChecked && (event.tq !== undefined || defaultTqChecked);
    if (!trusted) {
      const issues = validateEvent(rec, { chained: true });
      if (issues.length > 0) {
        throw new SeclogError('EVENT_INVALID', `record ${i} (${event.name}) of ${start.stream}: ${formatIssues(issues)}`, {
          index: i,
          errors: issues,
        });
      }
      chainChecked = true;
      if (event.tq === undefined) defaultTqChecked = true;
    }
    const canonical = canonicalize(rec);
    if (trusted) {
      const bytes = Buffer.byteLength(canonical);
      if (bytes > LIMITS.recordBytes) {
        const issues: ValidationIssue[] = [
          { path: '', rule: 'record-bytes', message: `the canonical record is ${bytes} bytes; the limit is ${LIMITS.recordBytes}` },
        ];
        throw new SeclogError('EVENT_INVALID', `record ${i} (${event.name}) of ${start.stream}: ${formatIssues(issues)}`, {
          index: i,
          errors: issues,
        });
      }
    }
    const digest = hash('sha256', canonical, 'buffer') as Uint8Array as Hash;
    head = chainHash(seq, head, digest);
    records.push({ record: rec, canonical, digest, chainHash: head as Hash, receivedUs });
  }
  return { records, cursor: { device: start.device, stream: start.stream, ackedSeq: seq, head: head as Hash } };
}
