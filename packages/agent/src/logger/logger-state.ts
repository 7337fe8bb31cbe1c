/**
 * What the logger keeps in the ring's state slots (the application blob, at
 * most 3,072 bytes; docs/agent-ring.md "The state slots"): the stream, the
 * sealer's state with the CURRENT seal key only, the redaction salt, which
 * enrolment it belongs to, and the user's opt-out.
 *
 * Why the ring's slots and not a file of its own: the slots are written in
 * place, alternately, each with a CRC, and only while the other holds a
 * valid fsynced copy, so a power cut at any moment leaves one readable; and
 * `setState(blob, { erase: true })` rewrites both, so an evolved-away key is
 * overwritten in the file rather than left in a renamed-over inode. The
 * chain head is NOT kept here: it is read from the newest record in the ring
 * at open, because records appended after the last state write may or may
 * not have survived.
 */
import type { SealerState } from '@seclog/core';
import { Sealer } from '@seclog/core';

export interface LoggerState {
  readonly v: 1;
  readonly device: string;
  readonly stream: string;
  /** Fingerprint of the k_0 the stream was started with (config sealKeyId); null when it started without one. */
  readonly k0Id: string | null;
  /** Redaction salt, 64 hex digits. */
  readonly salt: string;
  /** The sealer after the last seal made durable; null for a stream without seals. */
  readonly sealer: SealerState | null;
  /** Optional events the user switched off. */
  readonly disabled: readonly string[];
}

export function encodeState(s: LoggerState): Uint8Array {
  return Buffer.from(JSON.stringify(s), 'utf8');
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The state in `blob`: `empty` when none was ever written, `corrupt` when it cannot be read as a LoggerState. */
export function decodeState(blob: Uint8Array): LoggerState | 'empty' | 'corrupt' {
  if (blob.length === 0) return 'empty';
  let s: Partial<LoggerState>;
  try {
    s = JSON.parse(Buffer.from(blob).toString('utf8')) as Partial<LoggerState>;
  } catch {
    return 'corrupt';
  }
  if (typeof s !== 'object' || s === null || s.v !== 1) return 'corrupt';
  if (typeof s.device !== 'string' || typeof s.stream !== 'string' || s.stream === '') return 'corrupt';
  if (s.k0Id !== null && typeof s.k0Id !== 'string') return 'corrupt';
  if (typeof s.salt !== 'string' || !HEX64.test(s.salt)) return 'corrupt';
  if (!Array.isArray(s.disabled) || !s.disabled.every((x) => typeof x === 'string')) return 'corrupt';
  if (s.sealer !== null) {
    try {
      // The constructor checks every field; the copy of the key it holds is wiped at once.
      new Sealer(s.sealer as SealerState).erase();
    } catch {
      return 'corrupt';
    }
    if (s.sealer?.stream !== s.stream || s.sealer.deviceId !== s.device) return 'corrupt';
  }
  return s as LoggerState;
}
