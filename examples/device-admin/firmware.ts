/**
 * Firmware images for the demo: the vendor signs an image with Ed25519 and
 * the device verifies the signature before installing. "Tampered" images are
 * changed after signing, which is what an attacker pushing a modified image
 * looks like to the device.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';

export interface FirmwareImage {
  readonly version: string;
  readonly bytes: Buffer;
  readonly signature: Buffer;
}

export class FirmwareVendor {
  readonly #privateKey: KeyObject;
  readonly publicKey: KeyObject;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    this.#privateKey = privateKey;
    this.publicKey = publicKey;
  }

  build(version: string, tampered = false): FirmwareImage {
    const bytes = Buffer.from(`device-admin firmware ${version}\n`.repeat(64));
    const signature = sign(null, bytes, this.#privateKey);
    if (tampered) bytes.write('backdoor', 100);
    return { version, bytes, signature };
  }
}

export const sha256Hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function signatureValid(image: FirmwareImage, trustAnchor: KeyObject): boolean {
  return verify(null, image.bytes, trustAnchor, image.signature);
}
