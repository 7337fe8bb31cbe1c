/**
 * One device stream as an agent would write it: chained records with real
 * `log_seal` records on the device's enrolment policy (core's Sealer keyed by
 * the k_0 of its device file). Records are kept, so a client can resend any
 * range after a crash, byte for byte.
 */
import type { ChainedEvent, ChainHead, SecurityEvent } from '@seclog/core';
import { advanceHead, createSealerState, eventTimeNow, genesisHead, nextChainFields, Sealer, uuidv7 } from '@seclog/core';
import type { DeviceFile } from '../../src/enrol/enrol.js';

export class SealedStream {
  readonly device: string;
  readonly stream: string;
  /** records[i] has seq i + 1. */
  readonly records: ChainedEvent[] = [];
  /** hashes[i]: chain hash (hex) of records[i]. */
  readonly #hashes: string[] = [];
  readonly #sealer: Sealer;
  readonly #boot = uuidv7();
  #head: ChainHead;
  #n = 0;
  #clockMs = 0;

  constructor(file: DeviceFile, stream: string = uuidv7()) {
    this.device = file.device;
    this.stream = stream;
    this.#head = genesisHead(stream);
    this.#sealer = new Sealer(createSealerState({ ...file.seal, deviceId: file.device, stream, k0: Buffer.from(file.sealKey, 'hex') }));
  }

  /** Records seq [from, to] (1-based, inclusive), generated as needed. */
  range(from: number, to: number): ChainedEvent[] {
    // Never behind the last stamp: an epoch is [start, end) and the next one starts at its end.
    while (this.records.length < to) {
      this.#clockMs = Math.max(Date.now(), this.#clockMs);
      this.#next(this.#clockMs);
    }
    return this.records.slice(from - 1, to);
  }

  /** Chain hash (hex) of record `seq` (zeros for 0). */
  headAt(seq: number): string {
    return seq === 0 ? genesisHead(this.stream).hash : this.#hashes[seq - 1]!;
  }

  #next(nowMs: number): void {
    if (this.#sealer.sealDue(nowMs, this.#head.seq)) {
      // Sealing at `now` would put records stamped in this same millisecond at the epoch's
      // excluded end: seal 1 ms later and stamp what follows from there.
      nowMs = ++this.#clockMs;
      const attrs = this.#sealer.seal({ lastSeq: this.#head.seq, chainHead: this.#head.hash, oldestRetainedSeq: 1, nowMs });
      this.#append(
        {
          v: 1,
          id: uuidv7(),
          name: 'log_seal',
          time: eventTimeNow(nowMs),
          severity: 'info',
          outcome: 'success',
          device: { id: this.device },
          attrs,
          tq: { synced: true, source: 'ntp' },
        },
        nowMs,
      );
    }
    const i = this.#n++;
    this.#append(
      {
        v: 1,
        id: uuidv7(),
        name: 'authn_login_fail',
        time: eventTimeNow(nowMs),
        severity: 'medium',
        outcome: 'failure',
        device: { id: this.device, fw: '2.4.1', model: 'IPC-300' },
        actor: { user: `user${i % 97}`, ip: `203.0.113.${i % 250}` },
        attrs: { method: 'password', reason: 'bad_password' },
        tq: { synced: true, source: 'ntp', accuracy_ms: 12 },
      },
      nowMs,
    );
  }

  #append(ev: SecurityEvent, nowMs: number): void {
    const rec = { ...ev, ...nextChainFields(this.#head, { boot: this.#boot, monoMs: nowMs % 1e9 }) } as ChainedEvent;
    this.#head = advanceHead(this.#head, rec);
    this.records.push(rec);
    this.#hashes.push(this.#head.hash);
  }
}
