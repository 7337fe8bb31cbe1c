/**
 * Foreign records: those that arrive without chain fields (a syslog message
 * kept as `passthrough`, an OTLP log record, an event decoded from another
 * format). The collector chains them itself, per attributed device, in the
 * stream `passthrough/<source>` (docs/protocol.md §5), and commits them
 * through the same group committer as device batches, so they become Merkle
 * leaves like any other record and `seclog verify` walks their chain.
 *
 * The head is read from the store under the stream's lock for every append
 * (the lock is the IngestService's, keyed as its device streams are), so two
 * inputs appending to one stream at once queue instead of forking it, and a
 * restart continues the stored chain.
 *
 * What the chain proves here is narrower than for a device stream: the
 * collector vouches for what it received and when, not the sender (nothing
 * foreign is sealed; the verifier skips seal checks on `passthrough/`).
 */
import type { SecurityEvent, TimeQuality } from '@seclog/core';
import { fitToRecordLimit, LIMITS, SeclogError } from '@seclog/core';
import type { BatchWrite, Store } from '../store/types.js';
import { CollectorClock, chainAfter } from './chain-append.js';
import type { GroupCommitter } from './group-commit.js';
import type { KeyedLock } from './keyed-lock.js';
import { nowUs, zeroCursor } from './own-stream.js';

export interface ForeignAppend {
  /** The device the collector attributes the records to (never taken from the message). */
  device: string;
  /** Which input: 'syslog' | 'otlp' | 'mqtt' ...; the stream is `passthrough/<source>`. */
  source: string;
  /** Unchained events (passthrough or catalogue events decoded from a foreign format), device.id === device. */
  events: SecurityEvent[];
  /**
   * The transport authenticated the device (a device token, a client certificate): its
   * last-seen time moves with the commit, as for an HTTP batch. Default false.
   */
  authenticated?: boolean;
}

/** What a foreign sender's clock is worth when it says nothing about it (members in RFC 8785 order, see chain-append.ts). */
const UNKNOWN_TQ: TimeQuality = { source: 'unknown', synced: false };
const CHAIN_KEYS = ['stream', 'seq', 'boot', 'mono_ms', 'prev'] as const;
/**
 * Canonical bytes the chain fields add at most beside the stream id: seq and mono_ms of 16
 * digits, a UUID boot id, 64 hex digits of prev, the unknown-source tq, keys and punctuation.
 */
const CHAIN_FIELDS_BYTES = 256;

/** True when the event carries a chain field of its own: it belongs to a device stream, not to a foreign one. */
export function hasChainFields(e: SecurityEvent): boolean {
  return CHAIN_KEYS.some((k) => e[k] !== undefined);
}

/** An upper bound of a value's canonical JSON bytes: a UTF-16 code unit is at most 6 bytes (`\u001f`). */
function sizeBound(v: unknown): number {
  if (typeof v === 'string') return v.length * 6 + 2;
  if (Array.isArray(v)) {
    let n = 2;
    for (const x of v) n += sizeBound(x) + 1;
    return n;
  }
  if (typeof v === 'object' && v !== null) {
    let n = 2;
    for (const [k, x] of Object.entries(v)) n += k.length * 6 + 4 + sizeBound(x);
    return n;
  }
  return 24; // a number, boolean or null
}

/**
 * A passthrough record was cut to the record limit by its decoder; its chain fields must fit
 * too, so its free text is cut a little further (a copy: the caller's event is left alone).
 * Most records are far below the limit: a bound on their size, without canonicalizing, says so.
 */
function fitted(e: SecurityEvent, stream: string): SecurityEvent {
  if (e.name !== 'passthrough') return e;
  const limit = LIMITS.recordBytes - CHAIN_FIELDS_BYTES - stream.length;
  if (sizeBound(e) <= limit) return e;
  return fitToRecordLimit({ ...e, attrs: { ...e.attrs } }, limit);
}

/** The stream foreign records of `source` are chained in, per device. */
export function foreignStreamId(source: string): string {
  return `passthrough/${source}`;
}

export class ForeignStreams {
  readonly #store: Store;
  readonly #committer: GroupCommitter;
  readonly #lock: KeyedLock;
  readonly #clock = new CollectorClock();

  constructor(store: Store, committer: GroupCommitter, lock: KeyedLock) {
    this.#store = store;
    this.#committer = committer;
    this.#lock = lock;
  }

  /**
   * Chains the events after the stream's stored head (seq, prev, chain hash; stream
   * `passthrough/<source>`), submits them through the group committer and resolves after
   * the durable commit with the positions stored.
   *
   * Throws EVENT_INVALID before anything is stored when an event names another device,
   * carries chain fields of its own (such a record belongs to a device stream:
   * IngestService.ingest), or does not validate; the whole append is then refused.
   */
  async append(a: ForeignAppend): Promise<{ stored: number }> {
    for (const [i, e] of a.events.entries()) {
      if (e.device.id !== a.device) {
        throw new SeclogError('EVENT_INVALID', `record ${i} names device ${e.device.id}, but is attributed to ${a.device}`, {
          index: i,
          field: 'device.id',
        });
      }
      const own = CHAIN_KEYS.find((k) => e[k] !== undefined);
      if (own !== undefined) {
        throw new SeclogError('EVENT_INVALID', `record ${i} carries the chain field ${own}; foreign records are chained by the collector`, {
          index: i,
          field: own,
        });
      }
    }
    if (a.events.length === 0) return { stored: 0 };
    const stream = foreignStreamId(a.source);
    return this.#lock.run(`${a.device}\0${stream}`, async () => {
      const start = this.#store.getCursor(a.device, stream) ?? zeroCursor(a.device, stream);
      const receivedUs = nowUs();
      const events = a.events.map((e) => fitted(e, stream));
      const { records, cursor } = chainAfter(start, events, this.#clock, UNKNOWN_TQ, receivedUs);
      const write: BatchWrite = { device: a.device, stream, records, cursor, source: a.source };
      if (a.authenticated === true) write.seenUs = receivedUs;
      const positions = await this.#committer.submit(write);
      return { stored: positions.length };
    });
  }
}
