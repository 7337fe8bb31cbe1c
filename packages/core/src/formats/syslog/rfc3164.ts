/**
 * Legacy BSD syslog (RFC 3164), read leniently: RFC 3164 describes what
 * devices were observed to send rather than prescribing a format, so a
 * receiver takes what it can recognise and keeps the rest as text.
 *
 *   <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG
 *
 * - No or an unreadable PRI: the whole input is content with PRI 13
 *   (user.notice), as an RFC 3164 §4.3.3 relay would do.
 * - TIMESTAMP: `Mmm dd hh:mm:ss` (day space-padded per §4.1.2, zero-padded or
 *   unpadded tolerated, optional fraction), or an RFC 3339 date-time as
 *   rsyslog's RSYSLOG_ForwardFormat writes. No valid timestamp: no HOST is
 *   looked for either (§4.3.3), and time is null.
 * - The BSD timestamp has no year and no zone. The year is inferred: of the
 *   years that make the date real and put it at most one day after `now`
 *   (clock skew), the one nearest to `now`. The zone is assumed to be UTC:
 *   nothing in the message says otherwise, and the original text is kept.
 * - HOST is absent in what local senders pass on (`sshd[812]: …` straight
 *   after the timestamp); like rsyslog, a word that ends in ':' or contains
 *   '[' is taken as the TAG, not as a HOST.
 * - Bytes that are not UTF-8 (older devices send Latin-1) are read as
 *   ISO-8859-1, one character per byte, so nothing is lost or replaced.
 *
 * The only error is SYSLOG_RFC3164_INVALID: empty, too long, or no `now`.
 */
import { SeclogError } from '../../errors.js';
import { utf8ByteLength } from '../../text/unsafe-chars.js';
import { dateTimeProblem, formatEventTime, toEventTime } from '../../time/rfc3339.js';
import { DEFAULT_MAX_SYSLOG_BYTES, HEADER_FIELD_MAX, isPrintUsAscii, type Rfc3164Message } from './syslog-message.js';
import { strictUtf8 } from './utf8-text.js';

export interface ParseRfc3164Options {
  /** The receiver's clock, for the year the BSD timestamp leaves out. */
  now: Date;
  /** Longest accepted message in bytes; default 65536. */
  maxLength?: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// Applied to a bounded prefix only, and with no nested quantifiers.
const BSD_TIMESTAMP = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ( ?\d|\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?= |$)/;
const MAX_FUTURE_MS = 86_400_000;
/** A February 29 may lie up to eight years back (no leap year 2100). */
const MAX_YEARS_BACK = 8;
const TAG_MAX = HEADER_FIELD_MAX['APP-NAME'];
const PID_MAX = HEADER_FIELD_MAX.PROCID;

function invalid(why: string, details: Record<string, unknown> = {}): never {
  throw new SeclogError('SYSLOG_RFC3164_INVALID', `RFC 3164 message: ${why}`, details);
}

function decode(input: Uint8Array | string, max: number): string {
  if (typeof input === 'string') {
    if (input.length > max || utf8ByteLength(input) > max) invalid(`longer than the limit of ${max} bytes`, { limit: max });
    return input;
  }
  if (input.length > max) invalid(`${input.length} bytes is longer than the limit of ${max} bytes`, { limit: max });
  try {
    return strictUtf8.decode(input);
  } catch {
    let s = '';
    for (let i = 0; i < input.length; i++) s += String.fromCharCode(input[i] as number);
    return s;
  }
}

function daysInMonth(year: number, month1: number): number {
  if (month1 === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month1 === 4 || month1 === 6 || month1 === 9 || month1 === 11 ? 30 : 31;
}

/** The record time of a BSD timestamp, or null when no year makes it a real date not in the future. */
function inferTime(m: RegExpExecArray, now: number): string | null {
  const month1 = MONTHS.indexOf(m[1] as string) + 1;
  const day = Number((m[2] as string).trim());
  const [h, min, s] = [Number(m[3]), Number(m[4]), Number(m[5])];
  if (day < 1 || h > 23 || min > 59 || s > 59) return null;
  const frac = `${m[6] ?? ''}000000`;
  const fracMs = Number(frac.slice(0, 3));
  const year = new Date(now).getUTCFullYear();
  let best: number | null = null;
  for (let y = year + 1; y >= year - MAX_YEARS_BACK; y--) {
    if (day > daysInMonth(y, month1)) continue;
    const t = Date.UTC(y, month1 - 1, day, h, min, s, fracMs);
    if (t > now + MAX_FUTURE_MS) continue;
    if (best === null || Math.abs(t - now) < Math.abs(best - now)) best = t;
  }
  return best === null ? null : formatEventTime({ ms: best, us: Number(frac.slice(3, 6)) });
}

/** Read a legacy syslog message; see the module comment for what is tolerated. */
export function parseRfc3164(input: Uint8Array | string, opts: ParseRfc3164Options): Rfc3164Message {
  const now = opts?.now instanceof Date ? opts.now.getTime() : Number.NaN;
  if (Number.isNaN(now)) invalid('opts.now must be a valid Date (the year is inferred from it)');
  const text = decode(input, opts.maxLength ?? DEFAULT_MAX_SYSLOG_BYTES);
  if (text.length === 0) invalid('empty message');

  let facility = 1;
  let severity = 5;
  let rest = text;
  const close = text.charCodeAt(0) === 0x3c ? text.indexOf('>', 1) : -1;
  if (close >= 2 && close <= 4) {
    const digits = text.slice(1, close);
    let ok = true;
    for (let i = 0; i < digits.length; i++) if (digits.charCodeAt(i) < 0x30 || digits.charCodeAt(i) > 0x39) ok = false;
    const pri = Number(digits);
    if (ok && pri <= 191) {
      facility = pri >> 3;
      severity = pri & 7;
      rest = text.slice(close + 1);
    }
  }

  let timestamp: string | null = null;
  let time: string | null = null;
  const head = rest.slice(0, 40);
  const bsd = BSD_TIMESTAMP.exec(head);
  if (bsd) {
    time = inferTime(bsd, now);
    if (time !== null) timestamp = bsd[0];
  } else {
    const sp = head.indexOf(' ');
    const word = sp === -1 ? head : head.slice(0, sp);
    if (word.length >= 20 && (sp !== -1 || rest.length === word.length) && dateTimeProblem(word) === undefined) {
      timestamp = word;
      try {
        time = toEventTime(word, true);
      } catch {
        time = null; // a real date that falls outside years 0000–9999 in UTC; the text is kept
      }
    }
  }

  let hostname: string | null = null;
  if (timestamp !== null) {
    rest = rest.slice(timestamp.length + 1);
    const sp = rest.indexOf(' ');
    if (sp > 0 && sp <= HEADER_FIELD_MAX.HOSTNAME) {
      const word = rest.slice(0, sp);
      let printable = true;
      for (let i = 0; i < word.length; i++) if (!isPrintUsAscii(word.charCodeAt(i))) printable = false;
      if (printable && !word.endsWith(':') && !word.includes('[')) {
        hostname = word;
        rest = rest.slice(sp + 1);
      }
    }
  }

  const tagged = readTag(rest);
  return {
    format: 'rfc3164',
    facility,
    severity,
    timestamp,
    time,
    hostname,
    tag: tagged?.tag ?? null,
    procId: tagged?.procId ?? null,
    message: tagged ? tagged.message : rest,
  };
}

/** `TAG[PID]: MSG` or `TAG: MSG` (RFC 3164 §4.1.3, with the TAG lengths rsyslog accepts), or undefined. */
function readTag(s: string): { tag: string; procId: string | null; message: string } | undefined {
  let i = 0;
  while (i < s.length && i <= TAG_MAX) {
    const c = s.charCodeAt(i);
    if (!isPrintUsAscii(c) || c === 0x3a || c === 0x5b || c === 0x5d) break;
    i++;
  }
  if (i === 0 || i > TAG_MAX) return undefined;
  const tag = s.slice(0, i);
  let procId: string | null = null;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i + 1);
    if (close === -1 || close === i + 1 || close - i - 1 > PID_MAX) return undefined;
    procId = s.slice(i + 1, close);
    for (let k = 0; k < procId.length; k++) if (!isPrintUsAscii(procId.charCodeAt(k))) return undefined;
    i = close + 1;
  }
  if (s.charCodeAt(i) !== 0x3a) return undefined;
  i++;
  if (s.charCodeAt(i) === 0x20) i++;
  return { tag, procId, message: s.slice(i) };
}
