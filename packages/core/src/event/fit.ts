/**
 * Fitting foreign text into one record. A passthrough record wraps text a
 * sender chose (a syslog MSG, an OTLP body); escaping can make it up to twice
 * its bytes in canonical JSON, so after each field is cut to its own limit
 * the whole record may still exceed LIMITS.recordBytes. Rather than refuse
 * the message (which would let a sender keep it out of the log), cut the
 * longest free text further until the record fits.
 */
import { canonicalize } from '../canon/jcs.js';
import { truncateUtf8, utf8ByteLength } from '../text/unsafe-chars.js';
import { LIMITS } from './limits.js';
import type { SecurityEvent } from './types.js';

/** Cut `ev.message`, then the longest string attrs, until the canonical record fits; mutates and returns `ev`. */
export function fitToRecordLimit(ev: SecurityEvent, limit: number = LIMITS.recordBytes): SecurityEvent {
  // Almost every record is far under the limit. JSON.stringify writes the same members with the same
  // escapes as RFC 8785, only in another order, so its length equals the canonical one in UTF-16 units,
  // and a unit is at most 3 UTF-8 bytes: a bound without the canonical form's sorted copy.
  if (JSON.stringify(ev).length * 3 <= limit) return ev;
  for (let round = 0; round < 16; round++) {
    const over = utf8ByteLength(canonicalize(ev)) - limit;
    if (over <= 0) return ev;
    let longestKey: string | undefined;
    let longest = ev.message === undefined ? 0 : utf8ByteLength(ev.message);
    for (const [k, v] of Object.entries(ev.attrs)) {
      if (typeof v === 'string' && utf8ByteLength(v) > longest) {
        longest = utf8ByteLength(v);
        longestKey = k;
      }
    }
    if (longest <= 3) return ev; // nothing left to cut: the caller's validation reports it
    // Each byte cut may save up to two in JSON; cutting `over` bytes is enough when nothing is escaped.
    const target = Math.max(3, longest - over - 3);
    if (longestKey === undefined) ev.message = truncateUtf8(ev.message as string, target);
    else ev.attrs[longestKey] = truncateUtf8(ev.attrs[longestKey] as string, target);
  }
  return ev;
}
