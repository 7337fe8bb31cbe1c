/**
 * Which checkpoint the browser trusts: one signed by the log's verifier key,
 * checked here with WebCrypto. The key is fetched from the collector and
 * pinned in this browser on first use (localStorage); a later, different key
 * is refused until the user clears the pin on the Integrity page after
 * comparing it with the key from the collector's data directory (log.vkey).
 */
import { getText } from '../api.js';
import { openCheckpoint, parseVerifierKey, type VerifiedCheckpoint, type VerifierKey } from './note.js';

const PIN = 'seclog.log-vkey';

export type Trust = { ok: true; key: VerifierKey; pinnedNow: boolean } | { ok: false; reason: string };

export function pinnedKey(): string | null {
  try {
    return localStorage.getItem(PIN);
  } catch {
    return null;
  }
}

export function clearPinnedKey(): void {
  localStorage.removeItem(PIN);
}

export async function trustedKey(): Promise<Trust> {
  const text = (await getText('/api/v1/log/key')).trim();
  const key = await parseVerifierKey(text);
  if (typeof key === 'string') return { ok: false, reason: key };
  const pinned = pinnedKey();
  if (pinned !== null && pinned !== key.text) {
    return { ok: false, reason: `the collector's log key ${key.text} differs from the key pinned in this browser (${pinned})` };
  }
  if (pinned === null) {
    try {
      localStorage.setItem(PIN, key.text);
    } catch {
      // storage disabled: nothing pinned, the key is still checked for this view
    }
  }
  return { ok: true, key, pinnedNow: pinned === null };
}

export type CheckpointCheck = { ok: true; key: VerifierKey; checkpoint: VerifiedCheckpoint } | { ok: false; reason: string };

/** Verify a checkpoint note against the trusted key. */
export async function checkNote(note: string): Promise<CheckpointCheck> {
  const trust = await trustedKey();
  if (!trust.ok) return trust;
  const r = await openCheckpoint(note, trust.key);
  return r.ok ? { ok: true, key: trust.key, checkpoint: r.checkpoint } : r;
}

/** The latest checkpoint, verified. */
export async function latestCheckpoint(): Promise<CheckpointCheck> {
  return checkNote(await getText('/api/v1/log/checkpoint'));
}
