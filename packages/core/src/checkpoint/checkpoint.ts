/**
 * C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): a Merkle tree head as the
 * text of a signed note.
 *
 *   <origin>\n            log identity; the log's key name SHOULD equal it
 *   <tree size>\n         ASCII decimal, no leading zeros ("0" when empty)
 *   <base64 root hash>\n  RFC 6962 root at that size, 32 bytes
 *   [<extension>\n]…      optional, non-empty, opaque
 *
 * seclog keeps time out of extension lines (timestamps belong in
 * cosignatures), so it writes none by default.
 */

import { SeclogError } from '../errors.js';
import type { Hash } from '../merkle/hash.js';
import { HASH_BYTES } from '../merkle/hash.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import type { NoteSigner, NoteVerifier } from './note-key.js';
import type { OpenedNote } from './signed-note.js';
import { openNote, signNote } from './signed-note.js';

export interface Checkpoint {
  readonly origin: string;
  /** Leaves in the tree, at most 2^53 − 1. */
  readonly size: number;
  readonly root: Hash;
  readonly extensions: readonly string[];
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const CONTROL = /[\u0000-\u001f]/;

function assertOrigin(origin: string): void {
  if (origin === '' || CONTROL.test(origin)) {
    throw new SeclogError('CHECKPOINT_ORIGIN_INVALID', 'origin must be non-empty with no control character', { origin });
  }
}

function assertExtension(line: string, i: number): void {
  if (line === '' || CONTROL.test(line)) {
    throw new SeclogError('CHECKPOINT_EXTENSION_INVALID', `extension line ${i + 1} is empty or holds a control character`, {
      line: i + 1,
    });
  }
}

/** The note text of a checkpoint, ready for signNote. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, root, extensions } = checkpoint;
  assertOrigin(origin);
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new SeclogError('CHECKPOINT_SIZE_INVALID', `tree size must be a non-negative safe integer, got ${size}`, { size });
  }
  if (!(root instanceof Uint8Array) || root.length !== HASH_BYTES) {
    throw new SeclogError('CHECKPOINT_ROOT_INVALID', 'root hash must be 32 bytes');
  }
  extensions.forEach(assertExtension);
  return [origin, String(size), encodeBase64(root), ...extensions].map((line) => `${line}\n`).join('');
}

/** Parses checkpoint note text (already verified, or to be verified by the caller). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new SeclogError('CHECKPOINT_TEXT_INVALID', 'checkpoint text must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) {
    throw new SeclogError('CHECKPOINT_TEXT_INVALID', `checkpoint has ${lines.length} lines, needs origin, size and root`, {
      lines: lines.length,
    });
  }
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  assertOrigin(origin);
  const size = Number(sizeLine);
  if (!DECIMAL.test(sizeLine) || !Number.isSafeInteger(size)) {
    throw new SeclogError('CHECKPOINT_SIZE_INVALID', 'tree size is not decimal without leading zeros, or exceeds 2^53 − 1', {
      size: sizeLine,
    });
  }
  const root = decodeBase64(rootLine);
  if (root === undefined || root.length !== HASH_BYTES) {
    throw new SeclogError('CHECKPOINT_ROOT_INVALID', 'root hash is not standard base64 of 32 bytes', { root: rootLine });
  }
  extensions.forEach(assertExtension);
  return { origin, size, root: root as Hash, extensions };
}

/** Formats and signs a checkpoint; the log's own signer name SHOULD equal the origin. */
export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

export interface OpenCheckpointOptions {
  /** The origin the client pinned for this log; anything else is refused. */
  readonly origin: string;
  /** The log's key(s) and any witnesses the client trusts. */
  readonly verifiers: readonly NoteVerifier[];
}

/**
 * Verifies a signed checkpoint against pinned keys and origin (a key could
 * sign for several logs, so the key alone does not name the log).
 */
export function openCheckpoint(message: string | Uint8Array, options: OpenCheckpointOptions): { checkpoint: Checkpoint; note: OpenedNote } {
  const note = openNote(message, options.verifiers);
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== options.origin) {
    throw new SeclogError('CHECKPOINT_ORIGIN_MISMATCH', `checkpoint is for ${checkpoint.origin}, expected ${options.origin}`, {
      got: checkpoint.origin,
      want: options.origin,
    });
  }
  return { checkpoint, note };
}
