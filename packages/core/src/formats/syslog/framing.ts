/**
 * Syslog over a byte stream (RFC 6587): octet counting (§3.4.1) and
 * non-transparent LF framing (§3.4.2).
 *
 *   octet counting:  MSG-LEN SP SYSLOG-MSG     MSG-LEN = NONZERO-DIGIT *DIGIT, in octets
 *   LF framing:      SYSLOG-MSG LF
 *
 * The decoder is a push state machine: chunks may split a frame at any byte,
 * memory held for a partial frame never exceeds maxFrameBytes, and a stream
 * that breaks the framing throws, after which the caller must close the
 * connection (there is no way to find the next frame boundary reliably).
 */
import { SeclogError } from '../../errors.js';
import { loneSurrogateIndex, utf8Encoder } from './utf8-text.js';

export type SyslogFraming = 'auto' | 'octet-counting' | 'lf';

export interface SyslogFrameDecoderOptions {
  /** Largest frame accepted, in bytes (the SYSLOG-MSG, without MSG-LEN or LF). */
  maxFrameBytes: number;
  /** 'auto' (default) decides per frame: a digit starts an octet-counted frame, '<' an LF-terminated one (RFC 6587 §3.4). */
  framing?: SyslogFraming;
}

export interface SyslogFrameDecoder {
  /** The frames completed by `chunk` (copies: the caller may reuse its buffer). */
  push(chunk: Uint8Array): Uint8Array[];
  /** The stream ended: throws when it ended inside a frame. */
  end(): Uint8Array[];
}

const SP = 0x20;
const LF = 0x0a;
/** 2^53 has 16 digits; no frame limit needs more. */
const MAX_LEN_DIGITS = 16;

function encodeFrameBody(msg: string): Uint8Array {
  const bad = loneSurrogateIndex(msg);
  if (bad !== -1)
    throw new SeclogError('SYSLOG_ENCODING_INVALID', `lone surrogate at ${bad} has no UTF-8 form`, { offset: bad, field: 'SYSLOG-MSG' });
  return utf8Encoder.encode(msg);
}

/** `MSG-LEN SP SYSLOG-MSG` (RFC 6587 §3.4.1). */
export function frameOctetCounted(msg: string): Uint8Array {
  const body = encodeFrameBody(msg);
  if (body.length === 0)
    throw new SeclogError('SYSLOG_FRAME_INVALID', 'an octet-counted frame cannot be empty (MSG-LEN starts with NONZERO-DIGIT)', {
      offset: 0,
    });
  const prefix = utf8Encoder.encode(`${body.length} `);
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}

/** `SYSLOG-MSG LF` (RFC 6587 §3.4.2); a message containing LF cannot be LF-framed and is refused. */
export function frameLf(msg: string): Uint8Array {
  const lf = msg.indexOf('\n');
  if (lf !== -1)
    throw new SeclogError('SYSLOG_FRAME_INVALID', `the message contains LF at ${lf}, which would end the frame early; use octet counting`, {
      offset: lf,
    });
  const body = encodeFrameBody(msg);
  const out = new Uint8Array(body.length + 1);
  out.set(body, 0);
  out[body.length] = LF;
  return out;
}

type State =
  | { kind: 'start' }
  | { kind: 'length'; value: number; digits: number }
  | { kind: 'counted'; frame: Uint8Array; filled: number }
  | { kind: 'lf'; parts: Uint8Array[]; size: number }
  | { kind: 'failed'; error: SeclogError };

/** A streaming decoder for one connection. */
export function createSyslogFrameDecoder(opts: SyslogFrameDecoderOptions): SyslogFrameDecoder {
  const max = opts.maxFrameBytes;
  const framing = opts.framing ?? 'auto';
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('maxFrameBytes must be a positive safe integer');
  let state: State = { kind: 'start' };
  let offset = 0; // bytes consumed so far, for error details

  const fail = (code: 'SYSLOG_FRAME_INVALID' | 'SYSLOG_TOO_LONG', why: string): never => {
    const error = new SeclogError(code, `syslog framing at byte ${offset}: ${why}`, { offset, framing });
    state = { kind: 'failed', error };
    throw error;
  };

  const lfFrame = (parts: Uint8Array[], size: number): Uint8Array => {
    if (parts.length === 1) return parts[0] as Uint8Array;
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };

  function push(chunk: Uint8Array): Uint8Array[] {
    if (state.kind === 'failed') throw state.error;
    const frames: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      const s: State = state;
      switch (s.kind) {
        case 'start': {
          const c = chunk[i] as number;
          if (c === LF && framing !== 'octet-counting') {
            // An empty line carries no message (some senders end frames with CR LF LF); nothing is lost by skipping it.
            i++;
            offset++;
          } else if (framing === 'lf' || (framing === 'auto' && c === 0x3c)) {
            state = { kind: 'lf', parts: [], size: 0 };
          } else if (c >= 0x31 && c <= 0x39) {
            if (c - 0x30 > max) fail('SYSLOG_TOO_LONG', `MSG-LEN exceeds the limit of ${max} bytes`);
            state = { kind: 'length', value: c - 0x30, digits: 1 };
            i++;
            offset++;
          } else {
            const what =
              c === 0x30
                ? 'MSG-LEN must not start with 0 (RFC 6587 §3.4.1)'
                : `a frame must start with ${framing === 'auto' ? "a digit or '<'" : 'a non-zero digit'} (got byte 0x${c.toString(16).padStart(2, '0')})`;
            fail('SYSLOG_FRAME_INVALID', what);
          }
          break;
        }
        case 'length': {
          const c = chunk[i] as number;
          if (c >= 0x30 && c <= 0x39) {
            s.value = s.value * 10 + (c - 0x30);
            s.digits++;
            if (s.value > max || s.digits > MAX_LEN_DIGITS) fail('SYSLOG_TOO_LONG', `MSG-LEN exceeds the limit of ${max} bytes`);
          } else if (c === SP) {
            state = { kind: 'counted', frame: new Uint8Array(s.value), filled: 0 };
          } else {
            fail('SYSLOG_FRAME_INVALID', 'MSG-LEN must be digits followed by SP (RFC 6587 §3.4.1)');
          }
          i++;
          offset++;
          break;
        }
        case 'counted': {
          const take = Math.min(s.frame.length - s.filled, chunk.length - i);
          s.frame.set(chunk.subarray(i, i + take), s.filled);
          s.filled += take;
          i += take;
          offset += take;
          if (s.filled === s.frame.length) {
            frames.push(s.frame);
            state = { kind: 'start' };
          }
          break;
        }
        case 'lf': {
          const lf = chunk.indexOf(LF, i);
          const end = lf === -1 ? chunk.length : lf;
          const size = s.size + (end - i);
          if (size > max) fail('SYSLOG_TOO_LONG', `no LF within the limit of ${max} bytes`);
          if (end > i) s.parts.push(chunk.slice(i, end));
          s.size = size;
          offset += end - i;
          i = end;
          if (lf !== -1) {
            frames.push(lfFrame(s.parts, s.size));
            state = { kind: 'start' };
            i++;
            offset++;
          }
          break;
        }
      }
    }
    return frames;
  }

  function end(): Uint8Array[] {
    if (state.kind === 'failed') throw state.error;
    // A stream cut inside a frame may have lost the rest of the message, so it is not passed on as if whole.
    if (state.kind !== 'start') fail('SYSLOG_FRAME_INVALID', 'the stream ended inside a frame');
    return [];
  }

  return { push, end };
}
