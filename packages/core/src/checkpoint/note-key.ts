/**
 * Ed25519 keys for C2SP signed notes (c2sp.org/signed-note), in the string
 * forms of Go's golang.org/x/mod/sumdb/note so keys move between the two:
 *
 *   verifier key  <name>+<hex8 key ID>+base64(0x01 ‖ 32-byte public key)
 *   signer key    PRIVATE+KEY+<name>+<hex8 key ID>+base64(0x01 ‖ 32-byte seed)
 *   key ID        SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], big-endian
 */

import type { KeyObject } from 'node:crypto';
import { createPrivateKey, createPublicKey, generateKeyPairSync, hash, sign, verify } from 'node:crypto';
import { SeclogError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';

/** Checks note signatures made by one key. */
export interface NoteVerifier {
  readonly name: string;
  /** uint32 key ID. */
  readonly keyId: number;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** Signs note text with one key. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(message: Uint8Array): Uint8Array;
}

const ALG_ED25519 = 0x01;
const ED25519_KEY_BYTES = 32;
const ED25519_SIG_BYTES = 64;
// DER wrappers that turn a raw 32-byte Ed25519 seed or public key into the
// PKCS #8 / SPKI structures node:crypto imports (RFC 8410 §7 and §4).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// Go's unicode.IsSpace set (not JavaScript's \s, which adds U+FEFF and lacks
// U+0085), so a name valid here is valid in Go and the other way round.
const UNICODE_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const HEX8 = /^[0-9a-fA-F]{8}$/;

/** c2sp.org/signed-note: key names are non-empty, with no Unicode space and no '+'. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !name.includes('+') && !UNICODE_SPACE.test(name) && !LONE_SURROGATE.test(name);
}

function assertKeyName(name: string): void {
  if (!isValidKeyName(name)) throw new SeclogError('NOTE_NAME_INVALID', `invalid key name ${JSON.stringify(name)}`, { name });
}

/** SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pub32)[:4] as a uint32. */
export function ed25519KeyId(name: string, publicKey: Uint8Array): number {
  const input = Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.of(ALG_ED25519), publicKey]);
  return hash('sha256', input, 'buffer').readUInt32BE(0);
}

export function formatKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

/** The verifier key string for a raw 32-byte Ed25519 public key (Go: NewEd25519VerifierKey). */
export function verifierKeyFromPublicKey(name: string, publicKey: Uint8Array): string {
  assertKeyName(name);
  if (publicKey.length !== ED25519_KEY_BYTES) {
    throw new SeclogError('NOTE_KEY_INVALID', `Ed25519 public key must be 32 bytes, got ${publicKey.length}`, { reason: 'length' });
  }
  const id = formatKeyId(ed25519KeyId(name, publicKey));
  return `${name}+${id}+${encodeBase64(Buffer.concat([Buffer.of(ALG_ED25519), publicKey]))}`;
}

/** A fresh Ed25519 key pair as { signerKey, verifierKey } strings. The signer key is secret. */
export function generateNoteKey(name: string): { signerKey: string; verifierKey: string } {
  assertKeyName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  const verifierKey = verifierKeyFromPublicKey(name, pub);
  const id = formatKeyId(ed25519KeyId(name, pub));
  return { signerKey: `PRIVATE+KEY+${name}+${id}+${encodeBase64(Buffer.concat([Buffer.of(ALG_ED25519), seed]))}`, verifierKey };
}

function keyError(reason: 'format' | 'name' | 'key_id' | 'algorithm' | 'length', message: string): SeclogError {
  return new SeclogError('NOTE_KEY_INVALID', message, { reason });
}

/** Splits `<name>+<hex8>+<base64>` at the first two '+' (base64 may itself hold '+'). */
function splitKey(text: string): { name: string; keyId: number; key: Uint8Array } {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw keyError('format', 'key string is not <name>+<key ID>+<key>');
  const name = text.slice(0, first);
  const hex = text.slice(first + 1, second);
  const key = decodeBase64(text.slice(second + 1));
  if (!isValidKeyName(name)) throw keyError('name', `invalid key name ${JSON.stringify(name)}`);
  if (!HEX8.test(hex)) throw keyError('key_id', 'key ID is not 8 hex digits');
  if (key === undefined || key.length === 0) throw keyError('format', 'key data is not standard base64');
  if (key[0] !== ALG_ED25519) throw keyError('algorithm', `unknown signature type ${key[0]}`);
  if (key.length !== 1 + ED25519_KEY_BYTES) throw keyError('length', `Ed25519 key must be 32 bytes, got ${key.length - 1}`);
  return { name, keyId: Number.parseInt(hex, 16), key: key.subarray(1) };
}

/** Parses a verifier key string (Go: NewVerifier). */
export function createNoteVerifier(verifierKey: string): NoteVerifier {
  const { name, keyId, key } = splitKey(verifierKey);
  if (ed25519KeyId(name, key) !== keyId) throw keyError('key_id', 'key ID does not match the name and public key');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, key]), format: 'der', type: 'spki' });
  } catch {
    throw keyError('format', 'not an Ed25519 public key');
  }
  return {
    name,
    keyId,
    // RFC 8032 signatures are exactly 64 bytes; anything else is simply invalid.
    verify: (message, signature) => signature.length === ED25519_SIG_BYTES && verify(null, message, publicKey, signature),
  };
}

/** Parses a signer key string (Go: NewSigner); the key ID is checked against the derived public key. */
export function createNoteSigner(signerKey: string): NoteSigner {
  if (!signerKey.startsWith('PRIVATE+KEY+')) throw keyError('format', 'signer key must start with PRIVATE+KEY+');
  const { name, keyId, key: seed } = splitKey(signerKey.slice('PRIVATE+KEY+'.length));
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  } catch {
    throw keyError('format', 'not an Ed25519 seed');
  }
  const pub = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  if (ed25519KeyId(name, pub) !== keyId) throw keyError('key_id', 'key ID does not match the name and derived public key');
  return { name, keyId, sign: (message) => new Uint8Array(sign(null, message, privateKey)) };
}
