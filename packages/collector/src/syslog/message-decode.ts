/**
 * One syslog message (a frame's or a datagram's bytes) as what the collector
 * stores: a seclog record carried by seclog's own RFC 5424 encoding, or a
 * foreign message to keep as `passthrough`.
 *
 * - A message that starts like RFC 5424 (`<PRI>1 `) is parsed strictly; if it
 *   carries the seclog@32473 element it must decode to a valid record whose
 *   header and index agree with its body, or it is refused (nothing
 *   downstream may be shown fields the record does not carry).
 * - Anything else, including RFC 5424 that the strict parser refuses, is read
 *   by the lenient RFC 3164 reader, which keeps the whole text: foreign input
 *   is logged rather than refused, so a sender cannot suppress the record of
 *   its own attempt by malforming it.
 * - One trailing LF (or CR LF, or NUL) is dropped: rsyslog's templates end in
 *   LF even inside an octet-counted frame. LF, CR and `]` inside the text are kept.
 */
import type { Rfc3164Message, SecurityEvent, SyslogMessage } from '@seclog/core';
import { decodeEventSyslog, isSeclogSyslog, parseRfc3164, parseRfc5424, SeclogError } from '@seclog/core';

export type DecodedMessage =
  | { kind: 'seclog'; event: SecurityEvent }
  | { kind: 'foreign'; message: SyslogMessage | Rfc3164Message }
  | { kind: 'invalid'; code: string; reason: 'seclog_invalid' | 'frame_invalid' | 'too_long'; error: string };

/** The message without one trailing LF, CR LF or NUL. */
export function trimTrailer(b: Uint8Array): Uint8Array {
  let end = b.length;
  if (end > 0 && (b[end - 1] === 0x0a || b[end - 1] === 0x00)) {
    end--;
    if (end > 0 && b[end - 1] === 0x0d && b[end] === 0x0a) end--;
  }
  return end === b.length ? b : b.subarray(0, end);
}

/** `<` 1–3 digits `>1 `: the RFC 5424 header start (VERSION 1). */
function looksRfc5424(b: Uint8Array): boolean {
  if (b[0] !== 0x3c) return false;
  let i = 1;
  while (i < 4 && i < b.length && (b[i] as number) >= 0x30 && (b[i] as number) <= 0x39) i++;
  return i > 1 && b[i] === 0x3e && b[i + 1] === 0x31 && b[i + 2] === 0x20;
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function decodeMessage(raw: Uint8Array, maxBytes: number, now: Date): DecodedMessage {
  const bytes = trimTrailer(raw);
  if (bytes.length > maxBytes) {
    return {
      kind: 'invalid',
      code: 'SYSLOG_TOO_LONG',
      reason: 'too_long',
      error: `${bytes.length} bytes is over the limit of ${maxBytes}`,
    };
  }
  if (looksRfc5424(bytes)) {
    let msg: SyslogMessage | undefined;
    try {
      msg = parseRfc5424(bytes, { maxLength: maxBytes });
    } catch {
      msg = undefined;
    }
    if (msg !== undefined) {
      if (!isSeclogSyslog(msg)) return { kind: 'foreign', message: msg };
      try {
        return { kind: 'seclog', event: decodeEventSyslog(msg) };
      } catch (err) {
        const code = err instanceof SeclogError ? err.code : 'SYSLOG_SECLOG_MISMATCH';
        return { kind: 'invalid', code, reason: 'seclog_invalid', error: errText(err) };
      }
    }
  }
  try {
    return { kind: 'foreign', message: parseRfc3164(bytes, { now, maxLength: maxBytes }) };
  } catch (err) {
    const code = err instanceof SeclogError ? err.code : 'SYSLOG_RFC3164_INVALID';
    return { kind: 'invalid', code, reason: 'frame_invalid', error: errText(err) };
  }
}
