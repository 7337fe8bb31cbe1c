/**
 * C2SP signed-note and tlog-checkpoint checks in the browser with WebCrypto
 * Ed25519 (DESIGN.md §5):
 *
 *   <origin>\n<size>\n<base64 root>\n[extensions]\n\n— <name> base64(keyID[4] ‖ sig[64])\n
 *   vkey  <name>+<hex keyID>+base64(0x01 ‖ pub32)    keyID = SHA-256(name ‖ \n ‖ 0x01 ‖ pub32)[:4]
 */
import { concat, equalBytes, fromBase64, sha256, toHex, utf8 } from './bytes.js';

export interface VerifierKey {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
  /** The vkey text, to show and to pin. */
  readonly text: string;
}

export interface VerifiedCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
}

export type CheckpointResult = { ok: true; checkpoint: VerifiedCheckpoint } | { ok: false; reason: string };

export async function parseVerifierKey(text: string): Promise<VerifierKey | string> {
  // The base64 key may itself hold '+': split at the first two only (a key name never has one).
  const m = /^([^+]+)\+([0-9a-fA-F]{8})\+(.+)$/.exec(text.trim());
  if (m === null) return 'the verifier key is not name+keyid+key';
  const [, name, hex, b64] = m as unknown as [string, string, string, string];
  const raw = fromBase64(b64);
  if (raw === undefined || raw.length !== 33 || raw[0] !== 0x01) return 'the verifier key is not an Ed25519 key';
  const publicKey = raw.slice(1);
  const keyId = (await sha256(concat(utf8(`${name}\n`), Uint8Array.of(0x01), publicKey))).slice(0, 4);
  if (toHex(keyId) !== hex.toLowerCase()) return 'the verifier key’s id does not match its name and key';
  return { name, keyId, publicKey, text: text.trim() };
}

/** Verifies the note's signature by `key` and parses the checkpoint it signs. */
export async function openCheckpoint(note: string, key: VerifierKey): Promise<CheckpointResult> {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return { ok: false, reason: 'the note has no signature block' };
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  let signature: Uint8Array | undefined;
  for (const line of lines) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (m === null) return { ok: false, reason: 'a signature line is malformed' };
    const raw = fromBase64(m[2] as string);
    if (m[1] === key.name && raw !== undefined && raw.length === 68 && equalBytes(raw.slice(0, 4), key.keyId)) signature = raw.slice(4);
  }
  if (signature === undefined) return { ok: false, reason: `no signature by ${key.name}` };
  let valid: boolean;
  try {
    const pub = await crypto.subtle.importKey('raw', key.publicKey as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
    valid = await crypto.subtle.verify(
      { name: 'Ed25519' },
      pub,
      signature as Uint8Array<ArrayBuffer>,
      utf8(text) as Uint8Array<ArrayBuffer>,
    );
  } catch (err) {
    return { ok: false, reason: `this browser cannot check Ed25519 signatures (${(err as Error).message})` };
  }
  if (!valid) return { ok: false, reason: 'the checkpoint signature is invalid' };
  const body = text.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine] = body;
  const size = Number(sizeLine);
  const root = fromBase64(rootLine ?? '');
  if (origin === undefined || !/^(0|[1-9][0-9]*)$/.test(sizeLine ?? '') || !Number.isSafeInteger(size) || root?.length !== 32) {
    return { ok: false, reason: 'the signed text is not a checkpoint' };
  }
  if (origin !== key.name) return { ok: false, reason: `the checkpoint is for ${origin}, the key for ${key.name}` };
  return { ok: true, checkpoint: { origin, size, root, note } };
}
