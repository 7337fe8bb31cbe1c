/**
 * One SealVerifier per device, kept in memory (least recently used first out).
 * A verifier caches the device's epoch keys: k_e is derived from the escrowed
 * k_0 by e HMAC steps, so the first seal of a device after a start costs
 * O(epoch) (measured on the 2-core machine: ~9 µs per step, so 0.08 s for a
 * year of hourly epochs, 4.8 s for a year of minute epochs) and every later
 * one O(1), since seals arrive in epoch order. The verifier keeps k_e every
 * `checkpointEvery` epochs (32 bytes plus a Buffer each) so a look back, at a
 * late gap fill's seals, costs at most that many steps.
 */
import { type SealerPolicy, SealVerifier } from '@seclog/core';
import { sealPolicyOf } from '../enrol/enrol.js';
import type { DeviceRow } from '../store/types.js';

export interface SealVerifierCacheOptions {
  /** Devices kept (default 4096). Past it the least recently used verifier is dropped and its keys derived again when needed. */
  maxDevices?: number;
  /** k_e kept every this many epochs (default 1024: a backward seek costs ≤ 1024 steps, ~9 ms). */
  checkpointEvery?: number;
  /**
   * Epochs past a claimed one tried when a tag fails, to tell `resealed` from `bad_seal`
   * (default 64, ~2 ms: each step is three HMACs; core's default of 4096 would let one bad seal cost ~0.1 s).
   */
  resealSearchEpochs?: number;
}

interface Entry {
  verifier: SealVerifier;
  key: Buffer;
  policy: SealerPolicy;
}

const samePolicy = (a: SealerPolicy, b: SealerPolicy): boolean =>
  a.t0Ms === b.t0Ms && a.epochMs === b.epochMs && a.maxRecords === b.maxRecords;

export class SealVerifierCache {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #checkpointEvery: number;
  readonly #search: number;

  constructor(options: SealVerifierCacheOptions = {}) {
    this.#max = options.maxDevices ?? 4096;
    this.#checkpointEvery = options.checkpointEvery ?? 1024;
    this.#search = options.resealSearchEpochs ?? 64;
  }

  /** The device's verifier; undefined when its row holds no usable k_0 (it cannot seal). */
  get(device: DeviceRow): SealVerifier | undefined {
    const policy = sealPolicyOf(device);
    const hit = this.#entries.get(device.id);
    if (hit?.key.equals(device.sealKey) && samePolicy(hit.policy, policy)) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.#entries.delete(device.id);
      this.#entries.set(device.id, hit);
      return hit.verifier;
    }
    this.#entries.delete(device.id);
    if (device.sealKey.length !== 32) return undefined;
    let verifier: SealVerifier;
    try {
      verifier = new SealVerifier({
        k0: device.sealKey,
        deviceId: device.id,
        policy,
        checkpointEvery: this.#checkpointEvery,
        resealSearchEpochs: this.#search,
      });
    } catch {
      return undefined; // a policy the verifier refuses: the device cannot be held to seals
    }
    this.#entries.set(device.id, { verifier, key: Buffer.from(device.sealKey), policy });
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    return verifier;
  }

  get size(): number {
    return this.#entries.size;
  }
}
