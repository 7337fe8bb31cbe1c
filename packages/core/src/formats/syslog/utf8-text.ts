/**
 * Strict UTF-8 for syslog. RFC 5424 §6.4 makes MSG-UTF8 and PARAM-VALUE
 * UTF-8; a collector that let invalid bytes through would store text that
 * decodes differently in every consumer, so invalid input is refused, and the
 * position of the first bad byte is reported.
 */

/**
 * Fatal, and with ignoreBOM so a BOM is never silently stripped: the parser
 * decides where a BOM is meaningful (only at the start of MSG, §6.4).
 */
export const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const utf8Encoder = new TextEncoder();

/** UTF-16 index of the first lone surrogate of `s` at or after `from` (a string with no UTF-8 form), or -1. */
export function loneSurrogateIndex(s: string, from = 0): number {
  for (let i = from; i < s.length; i++) {
    const cu = s.charCodeAt(i);
    if (cu < 0xd800 || cu > 0xdfff) continue;
    if (cu <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/** `s` with every lone surrogate replaced by U+FFFD, as a UTF-8 encoder would write it. */
export function toWellFormed(s: string): string {
  let bad = loneSurrogateIndex(s);
  if (bad === -1) return s;
  let out = '';
  let from = 0;
  while (bad !== -1) {
    out += `${s.slice(from, bad)}\ufffd`;
    from = bad + 1;
    bad = loneSurrogateIndex(s, from);
  }
  return out + s.slice(from);
}

/**
 * Byte offset of the first byte that does not start or continue a well-formed
 * sequence (RFC 3629 §4: no overlongs, no surrogates, nothing above U+10FFFF),
 * or -1 when `b` is valid UTF-8. Used to locate what TextDecoder refused.
 */
export function invalidUtf8Offset(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    // Only the second byte has a narrowed range (RFC 3629 §4 table).
    const second = b[i + 1];
    if (second === undefined || second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const cont = b[i + k];
      if (cont === undefined || cont < 0x80 || cont > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}
