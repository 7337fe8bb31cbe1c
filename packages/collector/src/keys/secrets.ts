/**
 * Bearer tokens for devices (`sld_…`) and API clients (`sla_…`).
 *
 *   sld_<43 chars: base64url of 32 random bytes>
 *
 * The prefix makes a leaked token recognisable (secret scanners, log
 * redaction) and tells the server which table to look in before any hashing.
 * Only hashToken(token) is stored; the token itself is shown once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIXES = ['sld', 'sla'] as const;
export type TokenPrefix = (typeof TOKEN_PREFIXES)[number];

/** 256 bits: beyond brute force, so the stored hash needs no salt or stretching. */
export const TOKEN_BYTES = 32;

const TOKEN_PATTERN = /^(sld|sla)_[A-Za-z0-9_-]{43}$/;

/** A fresh bearer token: `<prefix>_` + base64url (no padding) of 32 random bytes. */
export function newToken(prefix: TokenPrefix): string {
  if (!TOKEN_PREFIXES.includes(prefix)) throw new TypeError(`token prefix must be sld or sla, got ${JSON.stringify(prefix)}`);
  return `${prefix}_${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** The prefix of a well-formed token, or undefined; lets a server reject garbage before a database lookup. */
export function tokenPrefix(token: string): TokenPrefix | undefined {
  const m = TOKEN_PATTERN.exec(token);
  return m ? (m[1] as TokenPrefix) : undefined;
}

/**
 * SHA-256 of the token, as 64 lowercase hex digits: what the database stores
 * and looks tokens up by.
 *
 * A fast hash is the right choice here, unlike for passwords: a slow KDF
 * (scrypt, argon2) exists to make guessing low-entropy secrets expensive, and
 * a 256-bit random token cannot be guessed however fast the hash is. Slowness
 * would only cost CPU on every authenticated request. Nor is a salt needed:
 * salts defeat precomputed tables, which do not exist for random 256-bit inputs.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Compares two secrets (tokens, hashes) in time independent of where they
 * differ. Both sides are hashed first so their lengths, which timingSafeEqual
 * would otherwise need equal and could leak, do not matter.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** True when `token` hashes to `storedHash` (hex from hashToken). */
export function verifyToken(token: string, storedHash: string): boolean {
  return constantTimeEqual(hashToken(token), storedHash.toLowerCase());
}
