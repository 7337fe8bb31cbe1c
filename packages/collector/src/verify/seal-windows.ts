/**
 * Seal checks of one device stream while the store is walked in position
 * order, with bounded memory: the stream is cut into windows from one seal
 * record to the next (the seal starts the next window too, so every link and
 * every seal's predecessor is seen), and each window goes to core's
 * SealVerifier with the escrowed k_0 and the policy fixed at enrolment. The
 * chain hashes were recomputed and checked by the walk, so they are handed in
 * rather than hashed again.
 *
 * A window also ends where the walk cannot continue the chain (a recorded
 * gap, a break already reported); the next one starts without a predecessor,
 * as a window of a device ring would. An epoch holds at most maxRecords
 * records, so a window that grows past that without a seal is checked at
 * once (and fails as `truncated`): memory stays at one epoch per stream.
 *
 * Not checked: records that filled a gap later (they arrive out of position
 * order), and the open epoch's deadline at the stream's end, which needs the
 * time of reading (ingest checks it; a stored log does not know when the
 * device went silent).
 */
import type { ChainedEvent, SealFailure, SealVerifier } from '@seclog/core';
import { LOG_SEAL_EVENT } from '@seclog/core';

/** What a window keeps of a record: the fields the seal verifier reads. */
export interface WindowRecord {
  readonly pos: number;
  readonly seq: number;
  readonly name: string;
  readonly prev: string;
  readonly chainHash: string;
  readonly time: string;
  readonly attrs: Record<string, unknown> | undefined;
}

export interface SealWindowFailure {
  readonly failure: SealFailure;
  /** Position of the record concerned. */
  readonly pos: number;
}

export class SealWindows {
  readonly #verifier: SealVerifier;
  readonly #stream: string;
  readonly #maxRecords: number;
  #window: WindowRecord[] = [];
  /** The window's first record is the seal that ended the previous window (verified and counted there). */
  #carried = false;
  #failed = false;
  /** Seals verified (each is checked once as a window's end; a window's first record is its predecessor). */
  seals = 0;

  constructor(verifier: SealVerifier, stream: string) {
    this.#verifier = verifier;
    this.#stream = stream;
    this.#maxRecords = verifier.policy.maxRecords;
  }

  /** The next record of the chain (in seq order, linked to the one before). */
  add(r: WindowRecord): SealWindowFailure | null {
    if (this.#failed) return null;
    this.#window.push(r);
    if (r.name === LOG_SEAL_EVENT) return this.#flush(true);
    // The window's first record may be the previous seal; then up to maxRecords + 1 more fit before a seal is due.
    if (this.#window.length > this.#maxRecords + 2) return this.#flush(false);
    return null;
  }

  /** The chain cannot continue from the last record (a gap, a break): check what the window holds and start afresh. */
  cut(): SealWindowFailure | null {
    if (this.#failed) return null;
    const f = this.#flush(false);
    this.#window = [];
    this.#carried = false;
    return f;
  }

  end(): SealWindowFailure | null {
    return this.cut();
  }

  #flush(atSeal: boolean): SealWindowFailure | null {
    const w = this.#window;
    if (w.length === 0) return null;
    const records = w.map(
      (r) => ({ stream: this.#stream, seq: r.seq, prev: r.prev, name: r.name, time: r.time, attrs: r.attrs }) as unknown as ChainedEvent,
    );
    const result = this.#verifier.verify(records, { stream: this.#stream, chainHashes: w.map((r) => r.chainHash) });
    if (result.failure !== null) {
      this.#failed = true;
      const at = w[Math.min(result.failure.index, w.length - 1)] as WindowRecord;
      return { failure: result.failure, pos: at.pos };
    }
    this.seals += result.seals - (this.#carried ? 1 : 0);
    // A seal ends this window and starts the next, as its predecessor.
    this.#window = atSeal ? [w[w.length - 1] as WindowRecord] : [];
    this.#carried = atSeal;
    return null;
  }
}
