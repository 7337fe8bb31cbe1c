/**
 * Opening stored checkpoint notes under the log's key (Ed25519, so the
 * slowest check per item; spread over the worker threads when there are
 * many). A note that opens yields its size and root; one that does not is
 * classified as the bundle verifier classifies a header's checkpoint.
 */
import { createNoteVerifier, isSeclogError, type NoteVerifier, openCheckpoint } from '@seclog/core';

export type NoteCheck =
  | { readonly ok: true; readonly size: number; readonly root: Uint8Array }
  | { readonly ok: false; readonly kind: 'bad_signature' | 'unknown_key' | 'modified'; readonly detail: string };

export function noteChecker(origin: string, verifierKey: string): (note: string) => NoteCheck {
  const verifier: NoteVerifier = createNoteVerifier(verifierKey);
  return (note) => {
    try {
      const { checkpoint } = openCheckpoint(note, { origin, verifiers: [verifier] });
      return { ok: true, size: checkpoint.size, root: checkpoint.root };
    } catch (err) {
      const message = (err as Error).message;
      if (isSeclogError(err, 'NOTE_SIGNATURE_INVALID')) return { ok: false, kind: 'bad_signature', detail: message };
      if (isSeclogError(err, 'NOTE_UNVERIFIED')) return { ok: false, kind: 'unknown_key', detail: 'no signature from the log key' };
      if (isSeclogError(err, 'CHECKPOINT_ORIGIN_MISMATCH')) return { ok: false, kind: 'unknown_key', detail: message };
      return { ok: false, kind: 'modified', detail: `the note is malformed: ${message}` };
    }
  };
}
