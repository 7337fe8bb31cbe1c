/**
 * Seals as a bundle can check them. A bundle is a selection, not a device's
 * whole window, so the checks are those that hold for any selection:
 *
 * - always (structure): the attrs are well-formed; the seal describes its
 *   own place (last_seq = its seq − 1, chain_head = its prev); when the
 *   record before its epoch (first_seq − 1) is in the bundle it is the
 *   previous seal, and this one continues it (epoch + 1, prev_seal_tag =
 *   that seal's tag); a stream's first epoch (first_seq 1) has a zero
 *   prev_seal_tag;
 * - with the device's escrowed k_0: the tag verifies under the key of the
 *   epoch it claims. A tag made with a later key (a re-seal after a
 *   compromise, CVE-2023-31439) fails here too.
 *
 * Epoch windows, record times and the unsealed tail need the device's whole
 * window and its policy: SealVerifier checks those at ingest.
 */
import { ZERO_HASH_HEX } from '../../event/types.js';
import { EpochKeys } from '../../seal/key-schedule.js';
import { computeSealTag, LOG_SEAL_EVENT, readSealAttrs, sealBody, tagsEqual } from '../../seal/seal-body.js';
import type { SealSummary } from '../bundle-result.js';
import type { EventLine } from './event-line.js';

/** The last seal seen in a stream. */
export interface SealMark {
  readonly seq: number;
  readonly epoch: number;
  readonly tag: string;
}

export class SealChecks {
  readonly #keys: ReadonlyMap<string, Uint8Array>;
  readonly #schedules = new Map<string, EpochKeys>();
  readonly #unchecked = new Set<string>();
  #seals = 0;
  #tagsChecked = 0;

  constructor(sealKeys: ReadonlyMap<string, Uint8Array> | undefined) {
    this.#keys = sealKeys ?? new Map();
  }

  /**
   * Checks the seal `ev` given which seqs of its stream the bundle holds
   * before it and the seals seen by seq; returns the seal's mark, or why it fails.
   */
  check(ev: EventLine, holds: (seq: number) => boolean, sealAt: (seq: number) => SealMark | undefined): SealMark | string {
    const rec = ev.record;
    this.#seals++;
    const a = readSealAttrs(rec.attrs ?? {});
    if (typeof a === 'string') return `malformed seal: ${a}`;
    if (a.last_seq !== rec.seq - 1 || a.chain_head !== rec.prev) {
      return `the seal does not describe its place: last_seq must be ${rec.seq - 1} and chain_head its prev`;
    }
    if (a.first_seq === 1) {
      if (a.prev_seal_tag !== ZERO_HASH_HEX) return "the stream's first seal must carry a zero prev_seal_tag";
    } else if (holds(a.first_seq - 1)) {
      const before = a.first_seq - 1;
      const lastSeal = sealAt(before);
      if (lastSeal === undefined) return `seq ${before}, before epoch ${a.epoch}, must be the previous seal`;
      if (a.epoch !== lastSeal.epoch + 1 || a.prev_seal_tag !== lastSeal.tag) {
        return `the seal of epoch ${a.epoch} does not continue the seal of epoch ${lastSeal.epoch} at seq ${lastSeal.seq}`;
      }
    }
    const k0 = this.#keys.get(ev.deviceId);
    if (k0 === undefined) {
      this.#unchecked.add(ev.deviceId);
    } else {
      let schedule = this.#schedules.get(ev.deviceId);
      if (schedule === undefined) {
        schedule = new EpochKeys(k0);
        this.#schedules.set(ev.deviceId, schedule);
      }
      const sk = schedule.sealKeyAt(a.epoch);
      const ok = tagsEqual(computeSealTag(sk, sealBody(a, ev.deviceId, rec.stream)), a.tag);
      sk.fill(0);
      if (!ok) return `the tag does not verify under the key of epoch ${a.epoch}`;
      this.#tagsChecked++;
    }
    return { seq: rec.seq, epoch: a.epoch, tag: a.tag };
  }

  summary(): SealSummary | undefined {
    if (this.#seals === 0) return undefined;
    return { seals: this.#seals, tagsChecked: this.#tagsChecked, uncheckedDevices: [...this.#unchecked].sort() };
  }
}

export function isSeal(ev: EventLine): boolean {
  return ev.record.name === LOG_SEAL_EVENT;
}
