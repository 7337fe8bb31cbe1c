/**
 * The forward-secure key schedule of the seals (Bellare–Yee 1997, as in
 * journald's FSS, but with a hash chain in place of FSPRG):
 *
 *   k_0     = 32 random bytes, made at enrolment and escrowed at the collector
 *   k_{e+1} = HMAC-SHA256(k_e, "seclog/evolve/v1" ‖ u64be(e + 1))
 *   sk_e    = HMAC-SHA256(k_e, "seclog/seal-key/v1")      the MAC key of epoch e
 *
 * HMAC is one-way in its key, so whoever holds k_e (a device compromised in
 * epoch e) can compute every later key but no earlier one: seals of epochs
 * before the compromise cannot be forged. That holds only if the device really
 * forgets k_e once it has moved on, hence the erasure in sealer.ts. The MAC key
 * is derived, not k_e itself, so a tag never uses the key that the next key is
 * derived from, and the two labels keep evolution and sealing apart. The epoch
 * number in the evolve input makes each step distinct even if a key repeated.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { SeclogError } from '../errors.js';

export const SEAL_KEY_BYTES = 32;

const EVOLVE_LABEL = Buffer.from('seclog/evolve/v1', 'latin1');
const SEAL_KEY_LABEL = Buffer.from('seclog/seal-key/v1', 'latin1');

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== SEAL_KEY_BYTES) {
    const got = key instanceof Uint8Array ? key.length : typeof key;
    throw new SeclogError('SEAL_KEY_INVALID', `a seal key must be ${SEAL_KEY_BYTES} bytes, got ${got}`, { got });
  }
}

function checkEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new SeclogError('SEAL_EPOCH_INVALID', `an epoch must be a non-negative safe integer (got ${epoch})`, { epoch });
  }
}

/** A fresh k_0 for enrolment. The caller escrows a copy at the collector before the first seal. */
export function generateSealKey(): Buffer {
  return randomBytes(SEAL_KEY_BYTES);
}

/** k_{epoch+1} from k_epoch. The input key is left alone: erasing it is the caller's duty. */
export function evolveKey(key: Uint8Array, epoch: number): Buffer {
  checkKey(key);
  checkEpoch(epoch + 1);
  const input = Buffer.allocUnsafe(EVOLVE_LABEL.length + 8);
  EVOLVE_LABEL.copy(input, 0);
  const next = epoch + 1;
  input.writeUInt32BE(Math.floor(next / 0x1_0000_0000), EVOLVE_LABEL.length);
  input.writeUInt32BE(next >>> 0, EVOLVE_LABEL.length + 4);
  return createHmac('sha256', key).update(input).digest();
}

/** sk_e: the HMAC key that tags epoch e's seal. */
export function sealKey(key: Uint8Array): Buffer {
  checkKey(key);
  return createHmac('sha256', key).update(SEAL_KEY_LABEL).digest();
}

/**
 * k_e for any e from k_0, for the collector. Seeking is O(e) HMACs from the
 * nearest cached checkpoint (one every `checkpointEvery` epochs, 32 bytes
 * each) and O(1) for the next epoch after the last one asked, which is how
 * verification walks a window.
 */
export class EpochKeys {
  readonly #k0: Buffer;
  readonly #every: number;
  readonly #checkpoints = new Map<number, Buffer>();
  #cursor: { epoch: number; key: Buffer };
  #maxCheckpoint = 0;

  constructor(k0: Uint8Array, checkpointEvery = 256) {
    checkKey(k0);
    if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) {
      throw new SeclogError('SEAL_EPOCH_INVALID', `checkpointEvery must be a positive integer (got ${checkpointEvery})`, {
        checkpointEvery,
      });
    }
    this.#k0 = Buffer.from(k0);
    this.#every = checkpointEvery;
    this.#checkpoints.set(0, this.#k0);
    this.#cursor = { epoch: 0, key: this.#k0 };
  }

  /** k_epoch (a buffer owned by the cache: do not modify it). */
  keyAt(epoch: number): Buffer {
    checkEpoch(epoch);
    // Checkpoints are filled in order as walks pass them, so they form the prefix 0, N, 2N, … ≤ #maxCheckpoint.
    let e = Math.min(epoch - (epoch % this.#every), this.#maxCheckpoint);
    let key = this.#checkpoints.get(e) as Buffer;
    if (this.#cursor.epoch <= epoch && this.#cursor.epoch > e) ({ epoch: e, key } = this.#cursor);
    while (e < epoch) {
      key = evolveKey(key, e);
      e++;
      if (e % this.#every === 0 && e > this.#maxCheckpoint) {
        this.#checkpoints.set(e, key);
        this.#maxCheckpoint = e;
      }
    }
    this.#cursor = { epoch: e, key };
    return key;
  }

  /** sk_epoch: the MAC key of epoch `epoch`'s seal. */
  sealKeyAt(epoch: number): Buffer {
    return sealKey(this.keyAt(epoch));
  }
}
