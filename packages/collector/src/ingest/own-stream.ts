/**
 * The collector's own security events (enrolment, revocation, refused
 * batches, gaps, forks, token creation) as a device stream of its own:
 * device id `collector`, stream `collector.<16 hex of SHA-256(origin)>`,
 * chained with core's chain functions and committed through the same path as
 * device batches, so they are leaves of the same Merkle log (DESIGN.md §3).
 *
 * The head is re-read from the store under the stream's lock for every
 * append, not cached: the CLI (`seclog device add`) appends to the same
 * stream through its own connection, and a cached head would fork it.
 */
import { createHash } from 'node:crypto';
import type { EventInput, Hash, TimeQuality } from '@seclog/core';
import { prepareEvent } from '@seclog/core';
import type { BatchWrite, Store, StreamCursor } from '../store/types.js';
import { CollectorClock, chainAfter, markValidated } from './chain-append.js';
import type { KeyedLock } from './keyed-lock.js';

export const COLLECTOR_DEVICE_ID = 'collector';

const ZERO = new Uint8Array(32) as Hash;
/** The collector stamps its own events with its own clock, which the host keeps in sync (members in RFC 8785 order, see chain-append.ts). */
const COLLECTOR_TQ: TimeQuality = { source: 'unknown', synced: true };

/** The collector's stream id for a log origin: stable across restarts, distinct per log. */
export function ownStreamId(origin: string): string {
  return `collector.${createHash('sha256').update(origin).digest('hex').slice(0, 16)}`;
}

export interface OwnEvent {
  name: string;
  input: EventInput;
}

/** µs since the epoch: the receive time stamped on stored records. */
export function nowUs(): number {
  return Date.now() * 1000;
}

export function zeroCursor(device: string, stream: string): StreamCursor {
  return { device, stream, ackedSeq: 0, head: ZERO };
}

/** Builds the next records of the collector's stream after the stored head (call under the stream's lock). */
export class OwnStreamBuilder {
  readonly stream: string;
  readonly #store: Store;
  readonly #clock = new CollectorClock();
  readonly #salt: Uint8Array;

  constructor(store: Store, origin: string) {
    this.#store = store;
    this.stream = ownStreamId(origin);
    this.#salt = createHash('sha256').update(`seclog/collector/redact\0${origin}`).digest();
  }

  build(events: readonly OwnEvent[]): BatchWrite {
    const start = this.#store.getCursor(COLLECTOR_DEVICE_ID, this.stream) ?? zeroCursor(COLLECTOR_DEVICE_ID, this.stream);
    // prepareEvent validates what it returns (it throws otherwise): chainAfter need not repeat it.
    const prepared = markValidated(
      events.map(
        (e) =>
          prepareEvent(e.name, e.input, {
            device: { id: COLLECTOR_DEVICE_ID },
            redaction: { salt: this.#salt },
            tq: COLLECTOR_TQ,
          }).event,
      ),
    );
    const { records, cursor } = chainAfter(start, prepared, this.#clock, COLLECTOR_TQ, nowUs());
    return { device: COLLECTOR_DEVICE_ID, stream: this.stream, records, cursor };
  }

  /** Appends and commits at once, in its own transaction (the CLI, which has no group committer). */
  appendNow(events: readonly OwnEvent[]): void {
    for (let attempt = 1; ; attempt++) {
      try {
        this.#store.transaction(() => this.#store.commitBatches([this.build(events)]));
        return;
      } catch (err) {
        if (attempt >= OWN_RETRIES || !lostRace(err)) throw err;
      }
    }
  }
}

/**
 * Several processes append to the one collector stream (collectors sharing a PostgreSQL database,
 * the CLI beside a running server): one built on a head another committed past in the meantime,
 * and the store refused it as a duplicate. Rebuilt on the new head, it commits.
 */
const OWN_RETRIES = 5;

function lostRace(err: unknown): boolean {
  const e = err as { code?: unknown; details?: { reason?: unknown } };
  return e.code === 'STORE_BATCH_INVALID' && (e.details?.reason === 'duplicate' || e.details?.reason === 'cursor_back');
}

/** The server's writer: appends under the stream's lock and commits through the group committer. */
export class OwnStream {
  readonly #builder: OwnStreamBuilder;
  readonly #lock: KeyedLock;
  readonly #commit: (batch: BatchWrite) => Promise<number[]>;

  constructor(builder: OwnStreamBuilder, lock: KeyedLock, commit: (batch: BatchWrite) => Promise<number[]>) {
    this.#builder = builder;
    this.#lock = lock;
    this.#commit = commit;
  }

  get stream(): string {
    return this.#builder.stream;
  }

  /** Resolves once the events are durable. */
  append(...events: OwnEvent[]): Promise<number[]> {
    return this.#lock.run(`${COLLECTOR_DEVICE_ID}\0${this.stream}`, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.#commit(this.#builder.build(events));
        } catch (err) {
          if (attempt >= OWN_RETRIES || !lostRace(err)) throw err;
        }
      }
    });
  }
}
