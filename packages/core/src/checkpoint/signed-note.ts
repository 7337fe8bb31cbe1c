/**
 * C2SP signed notes (c2sp.org/signed-note), wire-compatible with Go's
 * golang.org/x/mod/sumdb/note:
 *
 *   <text, one or more lines, each ending in \n>
 *   \n                                   ← the last blank line separates
 *   — <key name> base64(key ID[4] ‖ signature)\n     (one or more)
 */

import { SeclogError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import type { NoteSigner, NoteVerifier } from './note-key.js';
import { formatKeyId, isValidKeyName } from './note-key.js';

/** One signature line: key name, key ID and the base64 of key ID ‖ signature. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly base64: string;
}

/** A note parsed but not verified: its text must not be trusted yet. */
export interface ParsedNote {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** A note whose text at least one known key signed. */
export interface OpenedNote {
  readonly text: string;
  /** Signatures from known keys, each verified, one per key. */
  readonly verified: readonly NoteSignature[];
  /** Signatures from keys not given to openNote, ignored (c2sp.org/signed-note §Signatures). */
  readonly unverified: readonly NoteSignature[];
}

/** Go's note package refuses more; the spec asks that at least 16 be accepted. */
export const MAX_NOTE_SIGNATURES = 100;

const SIG_PREFIX = '\u2014 ';
// Signed notes must not contain ASCII control characters other than newline.
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeNote(message: string | Uint8Array): string {
  let text: string;
  if (typeof message === 'string') {
    if (LONE_SURROGATE.test(message)) throw new SeclogError('NOTE_ENCODING_INVALID', 'note contains a lone surrogate (not UTF-8)');
    text = message;
  } else {
    try {
      text = utf8.decode(message);
    } catch {
      throw new SeclogError('NOTE_ENCODING_INVALID', 'note is not valid UTF-8');
    }
  }
  if (CONTROL.test(text)) throw new SeclogError('NOTE_ENCODING_INVALID', 'note contains a control character other than newline');
  return text;
}

interface RawSignature extends NoteSignature {
  readonly signature: Uint8Array;
}

function parseRaw(message: string | Uint8Array): { text: string; signatures: RawSignature[] } {
  const note = decodeNote(message);
  const split = note.lastIndexOf('\n\n');
  const block = split < 0 ? '' : note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) {
    throw new SeclogError('NOTE_SIGNATURE_BLOCK_MISSING', 'note has no blank line followed by newline-terminated signature lines');
  }
  const lines = block.slice(0, -1).split('\n');
  // Bounded before any base64 decoding, so a huge block costs nothing.
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw new SeclogError('NOTE_TOO_MANY_SIGNATURES', `note has ${lines.length} signatures, limit ${MAX_NOTE_SIGNATURES}`, {
      count: lines.length,
      limit: MAX_NOTE_SIGNATURES,
    });
  }
  const signatures = lines.map((line, i): RawSignature => {
    const bad = (why: string) => new SeclogError('NOTE_SIGNATURE_LINE_INVALID', `signature line ${i + 1}: ${why}`, { line: i + 1, why });
    if (!line.startsWith(SIG_PREFIX)) throw bad('does not start with an em dash and a space');
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const base64 = space < 0 ? '' : rest.slice(space + 1);
    if (!isValidKeyName(name)) throw bad('invalid key name');
    const raw = decodeBase64(base64);
    if (raw === undefined || raw.length < 5) throw bad('signature is not base64 of a key ID and at least one byte');
    const keyId = Buffer.from(raw.buffer, raw.byteOffset, 4).readUInt32BE(0);
    return { name, keyId, base64, signature: raw.subarray(4) };
  });
  return { text: note.slice(0, split + 1), signatures };
}

/** Splits a note into text and signature lines, checking syntax only. */
export function parseNote(message: string | Uint8Array): ParsedNote {
  const { text, signatures } = parseRaw(message);
  return { text, signatures: signatures.map(({ name, keyId, base64 }) => ({ name, keyId, base64 })) };
}

/**
 * Parses `message` and verifies it against the known keys. Signatures from
 * unknown keys are ignored; every signature from a known key is checked and
 * one that fails rejects the whole note; at least one must verify.
 */
export function openNote(message: string | Uint8Array, known: readonly NoteVerifier[]): OpenedNote {
  const { text, signatures } = parseRaw(message);
  const byKey = new Map<string, NoteVerifier[]>();
  for (const v of known) {
    const k = `${v.keyId}:${v.name}`;
    byKey.set(k, [...(byKey.get(k) ?? []), v]);
  }
  const textBytes = Buffer.from(text, 'utf8');
  const verified = new Map<string, NoteSignature>();
  const unverified = new Map<string, NoteSignature>();
  for (const { name, keyId, base64, signature } of signatures) {
    const k = `${keyId}:${name}`;
    const candidates = byKey.get(k);
    if (candidates === undefined) {
      // Identical repeated lines from unknown keys are reported once, as Go does.
      if (!unverified.has(`${k} ${base64}`)) unverified.set(`${k} ${base64}`, { name, keyId, base64 });
      continue;
    }
    const id = `${name}+${formatKeyId(keyId)}`;
    if (candidates.length > 1) throw new SeclogError('NOTE_KEY_AMBIGUOUS', `ambiguous key ${id}`, { name, keyId: formatKeyId(keyId) });
    // The spec says a known key's signature MUST be verified, so a repeat
    // from the same key is checked too (Go's package skips repeats).
    if (!(candidates[0] as NoteVerifier).verify(textBytes, signature)) {
      throw new SeclogError('NOTE_SIGNATURE_INVALID', `invalid signature for key ${id}`, { name, keyId: formatKeyId(keyId) });
    }
    if (!verified.has(k)) verified.set(k, { name, keyId, base64 });
  }
  if (verified.size === 0) {
    const seen = [...unverified.values()].map((s) => `${s.name}+${formatKeyId(s.keyId)}`);
    throw new SeclogError('NOTE_UNVERIFIED', 'note has no verifiable signatures', { signatures: seen });
  }
  return { text, verified: [...verified.values()], unverified: [...unverified.values()] };
}

function assertSignableText(text: string): void {
  if (!text.endsWith('\n') || CONTROL.test(text) || LONE_SURROGATE.test(text)) {
    throw new SeclogError('NOTE_TEXT_INVALID', 'note text must end in a newline and hold no control character or lone surrogate');
  }
}

/**
 * Signs `text` with each signer and returns the encoded note. Signatures in
 * `existing` (e.g. from parseNote or openNote) are kept first unless a signer
 * uses the same key, whose fresh signature then replaces them (as Go's Sign).
 */
export function signNote(text: string, signers: readonly NoteSigner[], existing: readonly NoteSignature[] = []): string {
  assertSignableText(text);
  const textBytes = Buffer.from(text, 'utf8');
  const replaced = new Set<string>();
  const fresh: string[] = [];
  for (const s of signers) {
    if (!isValidKeyName(s.name)) throw new SeclogError('NOTE_NAME_INVALID', `invalid signer name ${JSON.stringify(s.name)}`);
    replaced.add(`${s.keyId}:${s.name}`);
    const id = Buffer.alloc(4);
    id.writeUInt32BE(s.keyId >>> 0);
    fresh.push(`${SIG_PREFIX}${s.name} ${encodeBase64(Buffer.concat([id, s.sign(textBytes)]))}\n`);
  }
  const kept: string[] = [];
  for (const sig of existing) {
    if (replaced.has(`${sig.keyId}:${sig.name}`)) continue;
    const raw = decodeBase64(sig.base64);
    const ok = isValidKeyName(sig.name) && raw !== undefined && raw.length >= 5;
    if (!ok || Buffer.from(raw.buffer, raw.byteOffset, 4).readUInt32BE(0) !== sig.keyId) {
      throw new SeclogError('NOTE_SIGNATURE_LINE_INVALID', `existing signature by ${JSON.stringify(sig.name)} is malformed`);
    }
    kept.push(`${SIG_PREFIX}${sig.name} ${sig.base64}\n`);
  }
  if (kept.length + fresh.length === 0) throw new SeclogError('NOTE_SIGNATURE_BLOCK_MISSING', 'a signed note needs a signature');
  return `${text}\n${kept.join('')}${fresh.join('')}`;
}
