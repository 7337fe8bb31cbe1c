/**
 * Characters that must never reach a log record as they are (CWE-117, CWE-150,
 * "Trojan Source" CVE-2021-42574):
 *
 *   C0 controls  U+0000–U+001F   (NUL, CR, LF, ESC…; TAB and LF allowed only in free text)
 *   DEL          U+007F
 *   C1 controls  U+0080–U+009F   (incl. U+009B, the single-character ANSI CSI)
 *   bidi embedding/override/isolate U+202A–U+202E, U+2066–U+2069
 *   lone surrogates (a JS string that is not well-formed UTF-16 has no UTF-8 form)
 *
 * Kept in one place so the validator, the neutraliser and every encoder agree.
 */

export type UnsafeKind = 'control-char' | 'bidi-override' | 'lone-surrogate';

export interface UnsafeChar {
  /** UTF-16 index of the character in the string. */
  index: number;
  codePoint: number;
  kind: UnsafeKind;
}

/** Characters allowed in free text (`message`) that are controls elsewhere. */
const TEXT_CONTROLS_ALLOWED = new Set([0x09, 0x0a]);

function classify(cp: number, allowNewlines: boolean): UnsafeKind | undefined {
  if (cp < 0x20) return allowNewlines && TEXT_CONTROLS_ALLOWED.has(cp) ? undefined : 'control-char';
  if (cp < 0x7f) return undefined;
  if (cp <= 0x9f) return 'control-char';
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return 'bidi-override';
  if (cp >= 0xd800 && cp <= 0xdfff) return 'lone-surrogate';
  return undefined;
}

// Fast pre-check: almost every log string is clean, so one regex test
// (no match) is the common path.
const SUSPECT = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

/** The first unsafe character of `s`, or undefined when it is clean. */
export function findUnsafeChar(s: string, allowNewlines = false): UnsafeChar | undefined {
  if (!SUSPECT.test(s)) return undefined;
  for (let i = 0; i < s.length; i++) {
    const cu = s.charCodeAt(i);
    // A well-formed surrogate pair is an ordinary astral character.
    if (cu >= 0xd800 && cu <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    const kind = classify(cu, allowNewlines);
    if (kind) return { index: i, codePoint: cu, kind };
  }
  return undefined;
}

/**
 * Replace every unsafe character by a visible escape (`\u001b`), and a lone
 * surrogate by U+FFFD, so that attacker-supplied text (a username tried at a
 * login prompt) is still logged rather than refused: refusing would let the
 * attacker suppress the record of their own attempt.
 */
export function neutraliseText(s: string, allowNewlines = false): string {
  if (findUnsafeChar(s, allowNewlines) === undefined) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const cu = s.charCodeAt(i);
    if (cu >= 0xd800 && cu <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s.slice(i, i + 2);
        i++;
        continue;
      }
    }
    const kind = classify(cu, allowNewlines);
    if (kind === undefined) out += s[i];
    else if (kind === 'lone-surrogate') out += '\ufffd';
    else out += `\\u${cu.toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** Length of `s` in UTF-8 bytes, without allocating (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8ByteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const cu = s.charCodeAt(i);
    if (cu < 0x80) n += 1;
    else if (cu < 0x800) n += 2;
    else if (cu >= 0xd800 && cu <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * Cut `s` to at most `maxBytes` UTF-8 bytes on a character boundary, ending in
 * "…" (3 bytes) when anything was cut, so a reader sees that it was cut.
 */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (utf8ByteLength(s) <= maxBytes) return s;
  const budget = maxBytes - 3;
  let n = 0;
  let end = 0;
  for (let i = 0; i < s.length; i++) {
    const cu = s.charCodeAt(i);
    let size = cu < 0x80 ? 1 : cu < 0x800 ? 2 : 3;
    let width = 1;
    if (cu >= 0xd800 && cu <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        size = 4;
        width = 2;
      }
    }
    if (n + size > budget) break;
    n += size;
    i += width - 1;
    end = i + 1;
  }
  return `${s.slice(0, end)}…`;
}
