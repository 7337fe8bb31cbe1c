/**
 * The collector side of forward-secure sealing. It holds the escrowed k_0 and
 * the device's sealing policy, so it can compute any epoch's key (from cached
 * checkpoints) and check every seal in a window of records: each seal must
 * verify under the key of the epoch it claims, follow the previous seal
 * (epoch + 1, prev_seal_tag = its tag, window continuing it), and describe its
 * own place in the chain. See verify-sealed-window.ts for the walk.
 */
import { SeclogError } from '../errors.js';
import type { ChainedEvent } from '../event/types.js';
import { EpochKeys } from './key-schedule.js';
import { computeSealTag, type LogSealAttrs, sealBody, tagsEqual } from './seal-body.js';
import type { SealVerification, VerifySealedOptions } from './seal-result.js';
import type { SealerPolicy } from './sealer.js';
import { verifySealedWindow } from './verify-sealed-window.js';

export interface SealVerifierConfig {
  /** The escrowed k_0 of the device (32 bytes). */
  readonly k0: Uint8Array;
  readonly deviceId: string;
  /** The device's sealing policy, as enrolled: the epoch grid and the record count that closes an epoch. */
  readonly policy: SealerPolicy;
  /** Keep k_e every this many epochs to seek in O(N) HMACs (default 256; 32 bytes each). */
  readonly checkpointEvery?: number;
  /**
   * How many epochs past a claimed one to try when a tag fails, to tell a
   * re-seal with a later key (`resealed`) from garbage (`bad_seal`). Default 4096.
   */
  readonly resealSearchEpochs?: number;
}

export class SealVerifier {
  readonly deviceId: string;
  readonly policy: SealerPolicy;
  readonly #keys: EpochKeys;
  readonly #search: number;

  constructor(config: SealVerifierConfig) {
    const { epochMs, maxRecords, t0Ms } = config.policy;
    if (
      !Number.isSafeInteger(epochMs) ||
      epochMs < 1 ||
      !Number.isSafeInteger(maxRecords) ||
      maxRecords < 1 ||
      !Number.isSafeInteger(t0Ms)
    ) {
      throw new SeclogError('SEAL_STATE_INVALID', 'seal policy: t0Ms, epochMs and maxRecords must be integers (epochMs, maxRecords ≥ 1)', {
        ...config.policy,
      });
    }
    this.deviceId = config.deviceId;
    this.policy = { ...config.policy };
    this.#keys = new EpochKeys(config.k0, config.checkpointEvery);
    this.#search = config.resealSearchEpochs ?? 4096;
  }

  /** True when `attrs.tag` is the tag of epoch `epoch`'s key over the seal body. */
  tagValidAt(attrs: LogSealAttrs, stream: string, epoch: number): boolean {
    const sk = this.#keys.sealKeyAt(epoch);
    const ok = tagsEqual(computeSealTag(sk, sealBody(attrs, this.deviceId, stream)), attrs.tag);
    sk.fill(0);
    return ok;
  }

  /** The later epoch (after attrs.epoch, within the search horizon) whose key made this tag, if any. */
  laterSigningEpoch(attrs: LogSealAttrs, stream: string, horizonFrom: number): number | undefined {
    const end = Math.max(attrs.epoch, horizonFrom) + this.#search;
    for (let e = attrs.epoch + 1; e <= end; e++) if (this.tagValidAt(attrs, stream, e)) return e;
    return undefined;
  }

  /**
   * Verify a window of one stream's records: the chain, every seal in it, the
   * epoch windows of sealed records, the front (given the ring capacity) and
   * the tail (given the expected last seq or the present time).
   */
  verify(records: readonly ChainedEvent[], opts: VerifySealedOptions = {}): SealVerification {
    return verifySealedWindow(this, records, opts);
  }
}
