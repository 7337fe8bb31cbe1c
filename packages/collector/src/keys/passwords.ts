/**
 * Password hashing for user accounts: scrypt (RFC 7914) from node:crypto,
 * stored as `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64, no padding), so
 * the cost can be raised later and old hashes still verify.
 *
 * ln=15, r=8, p=1 is the OWASP minimum for scrypt (N = 2^15, 32 MiB); on the
 * project's 2-core machine one hash takes ~60–90 ms, which is what makes
 * guessing expensive, and runs in the libuv pool so the event loop stays free.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { SeclogError } from '@seclog/core';

export interface ScryptCost {
  /** log2 of N. */
  ln: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_COST: ScryptCost = { ln: 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

export const PASSWORD_MIN_CHARS = 12;
export const PASSWORD_MAX_BYTES = 1024;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.ln;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');

/** Refuses passwords too short, too long, or equal to the user name (USER_PASSWORD_WEAK with `details.rule`). */
export function checkPasswordPolicy(password: string, userName: string): void {
  const weak = (rule: string, message: string): never => {
    throw new SeclogError('USER_PASSWORD_WEAK', message, { rule });
  };
  if ([...password].length < PASSWORD_MIN_CHARS) weak('min-length', `a password needs at least ${PASSWORD_MIN_CHARS} characters`);
  if (Buffer.byteLength(password) > PASSWORD_MAX_BYTES) weak('max-bytes', `a password may have at most ${PASSWORD_MAX_BYTES} bytes`);
  if (password.toLowerCase() === userName.toLowerCase()) weak('not-user-name', 'a password must not be the user name');
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${b64(salt)}$${b64(key)}`;
}

const ENCODED = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/;

/** True when `password` matches `encoded`; false for a mismatch or an encoding this code cannot read. Constant time in the comparison. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const m = ENCODED.exec(encoded);
  if (m === null) return false;
  const cost = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (cost.ln < 10 || cost.ln > 22 || cost.r < 1 || cost.p < 1) return false;
  const expected = Buffer.from(m[5] as string, 'base64');
  const key = await derive(password, Buffer.from(m[4] as string, 'base64'), cost);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash no password matches, verified for unknown users so that a wrong name costs as long as a wrong password. */
const decoys = new Map<string, Promise<string>>();
export function decoyHash(cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const key = `${cost.ln},${cost.r},${cost.p}`;
  let decoy = decoys.get(key);
  if (decoy === undefined) {
    decoy = hashPassword(randomBytes(24).toString('base64'), cost);
    decoys.set(key, decoy);
  }
  return decoy;
}
